x1 = fix_second(shift_grid, DOWN)
x2 = fork(overlay_grids, x1, identity)
O = apply_n_times(x2, I, 2)
