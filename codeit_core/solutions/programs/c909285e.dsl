x1 = least_common_colour(I)
x2 = cells_of_colour(I, x1)
O = crop_to_patch(I, x2)
