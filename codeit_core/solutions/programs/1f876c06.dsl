O = connect_same_colours_diagonal(I)
