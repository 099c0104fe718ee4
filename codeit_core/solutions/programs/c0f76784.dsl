x1 = fill_enclosed(I, ORANGE)
x2 = recolour_by_size(x1, AZURE, 9)
O = recolour_by_size(x2, MAGENTA, 1)
