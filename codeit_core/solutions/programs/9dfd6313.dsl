O = transpose(I)
