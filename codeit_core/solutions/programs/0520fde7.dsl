x1 = first_columns(I, 3)
x2 = last_columns(I, 3)
O = mask_and(x1, x2, RED)
