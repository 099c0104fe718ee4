O = fill_enclosed(I, YELLOW)
