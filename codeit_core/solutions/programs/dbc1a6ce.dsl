x1 = connect_colour(I, BLUE)
x2 = replace_colour(x1, BLUE, AZURE)
O = overlay_grids(x2, I)
