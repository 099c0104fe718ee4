x1 = is_symmetric_left_right(I)
x2 = branch(x1, 1, 7)
x3 = pair(1, 1)
O = canvas(x2, x3)
