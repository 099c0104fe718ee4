x1 = split_at_lines(I, BLACK)
x2 = fix_first(apply, most_common_colour)
O = apply(x2, x1)
