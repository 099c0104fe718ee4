x1 = colour_components(I)
x2 = keep_if(x1, has_holes)
x3 = merge(x2)
O = fill_cells(I, GREEN, x3)
