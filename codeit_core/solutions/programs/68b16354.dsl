O = flip_vertical(I)
