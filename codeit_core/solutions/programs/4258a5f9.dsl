x1 = cells_of_colour(I, GREY)
x2 = neighbours_diagonal(x1)
O = fill_cells(I, BLUE, x2)
