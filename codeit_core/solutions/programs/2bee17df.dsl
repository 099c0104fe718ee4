x1 = trim_border(I)
x2 = uniform_lines(x1, BLACK)
x3 = shift_indices(x2, DOWN_RIGHT)
O = fill_cells(I, GREEN, x3)
