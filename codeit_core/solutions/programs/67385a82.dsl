x1 = objects_of_colour(I, GREEN)
x2 = objects_larger_than(x1, 1)
x3 = merge(x2)
O = fill_cells(I, AZURE, x3)
