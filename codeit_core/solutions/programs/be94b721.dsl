x1 = colour_components(I)
x2 = largest_object(x1)
O = object_to_grid(x2)
