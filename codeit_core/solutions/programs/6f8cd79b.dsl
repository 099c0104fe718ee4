x1 = all_indices(I)
x2 = box_outline(x1)
O = fill_cells(I, AZURE, x2)
