x1 = recolour_non_background(I, BLUE)
O = recolour_by_size(x1, RED, 6)
