O = replace_colour(I, ORANGE, GREY)
