O = complete_mirror(I, MAROON)
