x1 = dedupe_rows(I)
O = dedupe_columns(x1)
