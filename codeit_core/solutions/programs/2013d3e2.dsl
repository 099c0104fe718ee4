x1 = crop_to_foreground(I)
x2 = left_half(x1)
O = top_half(x2)
