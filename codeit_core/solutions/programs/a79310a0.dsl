x1 = shift_grid(I, DOWN)
O = replace_colour(x1, 8, 2)
