O = rotate_ccw(I)
