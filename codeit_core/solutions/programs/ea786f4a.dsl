x1 = cells_of_colour(I, BLACK)
x2 = first(x1)
x3 = diagonals_through(I, x2)
O = fill_cells(I, BLACK, x3)
