x1 = crop_to_foreground(I)
O = expand_cells(x1, x1)
