x1 = cells_of_colour(I, GREEN)
x2 = complete_symmetry(I, GREEN)
O = crop_to_patch(x2, x1)
