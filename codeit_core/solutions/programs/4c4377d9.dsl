x1 = flip_vertical(I)
O = vconcat(x1, I)
