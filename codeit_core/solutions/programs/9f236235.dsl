x1 = dedupe_rows(I)
x2 = dedupe_columns(x1)
x3 = downscale(x2, 2)
O = flip_horizontal(x3)
