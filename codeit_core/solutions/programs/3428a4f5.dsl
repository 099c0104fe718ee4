x1 = first_rows(I, 6)
x2 = last_rows(I, 6)
O = mask_xor(x1, x2, GREEN)
