x1 = connect_colour(I, 4)
x2 = fill_enclosed(x1, 2)
x3 = keep_colour(x2, 2)
O = overlay_grids(I, x3)
