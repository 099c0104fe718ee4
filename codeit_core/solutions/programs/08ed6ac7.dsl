x1 = colour_components(I)
x2 = objects_by_size(x1)
x3 = recolour_in_order(x2, BLUE)
O = paint_objects(I, x3)
