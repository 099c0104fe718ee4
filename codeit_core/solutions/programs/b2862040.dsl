x1 = objects_of_colour(I, 1)
x2 = keep_if(x1, has_holes)
x3 = merge(x2)
O = fill_cells(I, 8, x3)
