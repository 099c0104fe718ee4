x1 = colour_components_diagonal(I)
x2 = objects_by_size(x1)
x3 = apply(object_colour, x2)
O = colours_to_column(x3)
