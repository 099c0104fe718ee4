x1 = bottom_half(I)
x2 = flip_vertical(x1)
O = vconcat(x2, x1)
