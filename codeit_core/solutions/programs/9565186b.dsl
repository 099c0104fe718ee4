x1 = most_common_colour(I)
x2 = keep_colour(I, x1)
O = replace_colour(x2, 0, 5)
