x1 = largest_rectangle_of_colour(I, BLACK, 2)
O = fill_cells(I, MAGENTA, x1)
