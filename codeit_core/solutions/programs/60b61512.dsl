x1 = colour_components_diagonal(I)
x2 = apply(bounding_box, x1)
x3 = merge(x2)
O = fill_background_cells(I, ORANGE, x3)
