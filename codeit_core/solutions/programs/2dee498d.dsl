O = left_third(I)
