x1 = crop_to_foreground(I)
x2 = most_common_colour(x1)
x3 = least_common_colour(x1)
O = swap_colours(x1, x2, x3)
