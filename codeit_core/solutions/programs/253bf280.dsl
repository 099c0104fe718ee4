x1 = connect_colour(I, AZURE)
x2 = replace_colour(x1, AZURE, GREEN)
O = overlay_grids(x2, I)
