O = fall_up(I)
