O = crop_to_foreground(I)
