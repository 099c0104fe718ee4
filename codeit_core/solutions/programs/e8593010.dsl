x1 = recolour_by_size(I, GREEN, 1)
x2 = recolour_by_size(x1, RED, 2)
O = recolour_by_size(x2, BLUE, 3)
