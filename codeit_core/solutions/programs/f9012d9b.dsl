x1 = cells_of_colour(I, BLACK)
x2 = fill_periodic(I, BLACK)
O = crop_to_patch(x2, x1)
