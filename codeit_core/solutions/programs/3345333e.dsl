x1 = least_common_colour(I)
x2 = complete_mirror(I, x1)
O = replace_colour(x2, x1, BLACK)
