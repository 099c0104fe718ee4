x1 = colour_components(I)
x2 = largest_object(x1)
O = crop_to_patch(I, x2)
