x1 = flip_horizontal(I)
O = hconcat(I, x1)
