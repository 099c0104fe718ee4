x1 = crop_to_foreground(I)
O = replace_colour(x1, 1, 0)
