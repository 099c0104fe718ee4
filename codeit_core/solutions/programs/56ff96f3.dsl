x1 = colour_groups(I)
x2 = fork(recolour, bounding_box, object_colour)
x3 = apply(x2, x1)
O = paint_objects(I, x3)
