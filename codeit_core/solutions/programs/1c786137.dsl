x1 = colour_components(I)
x2 = largest_object(x1)
x3 = crop_to_patch(I, x2)
O = trim_border(x3)
