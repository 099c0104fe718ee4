x1 = multicolour_components_diagonal(I)
x2 = most_colourful_object(x1)
x3 = crop_to_patch(I, x2)
O = last_rows(x3, 3)
