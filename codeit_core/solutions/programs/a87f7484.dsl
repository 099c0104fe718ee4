x1 = find_objects(I, True, True, False)
x2 = objects_not_coloured(x1, 0)
x3 = odd_shape_out(x2)
O = object_to_grid(x3)
