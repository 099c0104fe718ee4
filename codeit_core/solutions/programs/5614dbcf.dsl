x1 = downscale(I, 3)
O = replace_colour(x1, GREY, BLACK)
