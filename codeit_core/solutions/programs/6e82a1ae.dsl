x1 = recolour_by_size(I, BLUE, 4)
x2 = recolour_by_size(x1, RED, 3)
O = recolour_by_size(x2, GREEN, 2)
