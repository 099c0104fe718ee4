x1 = least_common_colour(I)
x2 = replace_colour(I, x1, 0)
O = recolour_non_background(x2, x1)
