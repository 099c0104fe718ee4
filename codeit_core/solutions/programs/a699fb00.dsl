x1 = shift_grid(I, LEFT)
x2 = shift_grid(I, RIGHT)
x3 = mask_and(x1, x2, 2)
O = overlay_grids(x3, I)
