x1 = complete_symmetry(I, 0)
x2 = cells_of_colour(I, 0)
O = crop_to_patch(x1, x2)
