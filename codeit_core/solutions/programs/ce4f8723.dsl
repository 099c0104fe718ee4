x1 = top_half(I)
x2 = bottom_half(I)
O = mask_or(x1, x2, GREEN)
