x1 = crop_to_foreground(I)
O = flip_horizontal(x1)
