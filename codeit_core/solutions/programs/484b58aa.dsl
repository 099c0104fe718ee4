O = fill_periodic(I, BLACK)
