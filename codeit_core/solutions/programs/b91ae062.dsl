x1 = num_colours(I)
x2 = decrement(x1)
O = upscale(I, x2)
