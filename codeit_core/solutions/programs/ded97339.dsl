O = connect_colour(I, AZURE)
