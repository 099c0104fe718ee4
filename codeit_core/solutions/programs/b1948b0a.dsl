O = replace_colour(I, 6, 2)
