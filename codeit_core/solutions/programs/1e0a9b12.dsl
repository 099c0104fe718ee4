O = fall_down(I)
