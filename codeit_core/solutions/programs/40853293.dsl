O = connect_same_colours(I)
