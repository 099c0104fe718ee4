x1 = uniform_lines(I, BLACK)
O = fill_cells(I, RED, x1)
