x1 = foreground(I)
O = fill_box_background(I, x1, RED)
