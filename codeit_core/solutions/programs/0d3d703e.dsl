x1 = swap_colours(I, 3, 4)
x2 = swap_colours(x1, 1, 5)
x3 = swap_colours(x2, 2, 6)
O = swap_colours(x3, 8, 9)
