x1 = most_common_colour(I)
x2 = grid_size(I)
O = canvas(x1, x2)
