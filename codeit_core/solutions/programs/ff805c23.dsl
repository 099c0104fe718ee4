x1 = cells_of_colour(I, BLUE)
x2 = complete_symmetry(I, BLUE)
O = crop_to_patch(x2, x1)
