x1 = crop_to_foreground(I)
O = upscale(x1, 2)
