x1 = fill_enclosed(I, GREEN)
O = replace_colour(x1, RED, BLACK)
