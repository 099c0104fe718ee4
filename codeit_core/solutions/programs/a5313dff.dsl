O = fill_enclosed(I, 1)
