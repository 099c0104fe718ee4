x1 = cells_of_colour(I, RED)
x2 = neighbours_diagonal(x1)
O = fill_background_cells(I, BLUE, x2)
