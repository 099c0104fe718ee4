O = flip_horizontal(I)
