x1 = cells_of_colour(I, 5)
x2 = patch_edge(x1)
x3 = difference(x1, x2)
O = fill_cells(I, 2, x3)
