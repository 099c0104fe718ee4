x1 = find_objects(I, True, False, False)
x2 = argmax_by(x1, count_holes)
x3 = object_colour(x2)
O = canvas(x3, DOWN_RIGHT)
