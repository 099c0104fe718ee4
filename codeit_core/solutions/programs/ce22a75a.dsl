x1 = cells_of_colour(I, GREY)
x2 = neighbours_diagonal(x1)
x3 = union(x1, x2)
O = fill_cells(I, BLUE, x3)
