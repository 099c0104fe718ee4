x1 = left_half(I)
x2 = right_half(I)
x3 = flip_horizontal(x2)
O = overlay_grids(x1, x3)
