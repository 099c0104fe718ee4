x1 = split_rows(I, 3)
x2 = drop_if(x1, is_symmetric_diagonal)
O = first(x2)
