x1 = crop_to_foreground(I)
O = hconcat(x1, x1)
