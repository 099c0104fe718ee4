O = rotate_180(I)
