x1 = colour_components(I)
x2 = apply(box_delta, x1)
x3 = merge(x2)
O = fill_cells(I, BLUE, x3)
