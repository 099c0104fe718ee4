x1 = flip_vertical(I)
O = overlay_grids(I, x1)
