x1 = components_except_colour(I, 0)
x2 = objects_with_size(x1, 1)
x3 = merge(x2)
O = fill_cells(I, 1, x3)
