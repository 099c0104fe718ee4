x1 = left_half(I)
x2 = right_half(I)
O = mask_nor(x1, x2, GREEN)
