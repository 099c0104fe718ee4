x1 = flip_vertical(I)
O = vconcat(I, x1)
