x1 = pair(2, 2)
O = crop(I, ORIGIN, x1)
