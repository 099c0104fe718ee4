O = swap_colours(I, GREY, AZURE)
