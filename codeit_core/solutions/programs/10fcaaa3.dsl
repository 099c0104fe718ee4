x1 = tile(I, 2, 2)
x2 = foreground(x1)
x3 = corner_neighbours(x2)
O = fill_background_cells(x1, AZURE, x3)
