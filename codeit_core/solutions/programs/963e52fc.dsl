x1 = grid_size(I)
x2 = canvas(GREY, x1)
x3 = hconcat(I, x2)
O = fill_periodic(x3, GREY)
