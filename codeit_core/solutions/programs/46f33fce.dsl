x1 = shift_grid(I, UP_LEFT)
x2 = downscale(x1, 2)
O = upscale(x2, 4)
