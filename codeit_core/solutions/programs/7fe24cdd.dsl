x1 = rotate_cw(I)
x2 = hconcat(I, x1)
x3 = rotate_180(x2)
O = vconcat(x2, x3)
