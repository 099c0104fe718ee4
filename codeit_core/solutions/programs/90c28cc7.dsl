x1 = crop_to_foreground(I)
x2 = dedupe_rows(x1)
O = dedupe_columns(x2)
