x1 = colour_components_diagonal(I)
x2 = objects_with_size(x1, 1)
O = erase_objects(I, x2)
