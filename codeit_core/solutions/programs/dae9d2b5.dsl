x1 = left_half(I)
x2 = right_half(I)
O = mask_or(x1, x2, MAGENTA)
