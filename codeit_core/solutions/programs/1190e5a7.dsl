x1 = dedupe_rows(I)
x2 = dedupe_columns(x1)
O = downscale(x2, 2)
