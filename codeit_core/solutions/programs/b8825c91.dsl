O = complete_symmetry(I, 4)
