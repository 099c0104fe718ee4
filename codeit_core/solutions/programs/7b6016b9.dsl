x1 = fill_enclosed(I, RED)
O = replace_colour(x1, BLACK, GREEN)
