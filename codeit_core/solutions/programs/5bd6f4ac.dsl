x1 = pair(0, 6)
x2 = pair(3, 3)
O = crop(I, x1, x2)
