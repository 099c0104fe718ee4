"""Tests of the whole-grid primitives (geometry, slicing, scaling, tiling, colour)."""

from __future__ import annotations

import pytest

from codeit_core.dsl import prims_grid as P
from codeit_core.dsl.errors import TooLargeError


def g(text: str):
    """A grid written as lines of digits."""
    return tuple(tuple(int(ch) for ch in line.strip()) for line in text.strip().splitlines())


A = g("""
123
456
""")  # 2x3, asymmetric

SQ = g("""
12
34
""")


# --- geometry --------------------------------------------------------------------------------


def test_rotate_cw():
    assert P.rotate_cw(A) == g("41\n52\n63")
    assert P.rotate_cw(((7,),)) == ((7,),)
    grid = g("1203\n4567\n8901")
    assert P.rotate_cw(P.rotate_cw(P.rotate_cw(P.rotate_cw(grid)))) == grid


def test_rotate_ccw():
    assert P.rotate_ccw(A) == g("36\n25\n14")
    assert P.rotate_ccw(P.rotate_cw(A)) == A
    assert isinstance(P.rotate_ccw(A)[0], tuple)


def test_rotate_180():
    assert P.rotate_180(A) == g("654\n321")
    assert P.rotate_180(A) == P.rotate_cw(P.rotate_cw(A))


def test_flip_horizontal():
    assert P.flip_horizontal(A) == g("321\n654")
    assert P.flip_horizontal(P.flip_horizontal(A)) == A


def test_flip_vertical():
    assert P.flip_vertical(A) == g("456\n123")
    assert P.flip_vertical(((1, 2),)) == ((1, 2),)


def test_transpose():
    assert P.transpose(A) == g("14\n25\n36")
    assert P.transpose(SQ) == g("13\n24")


def test_flip_antidiagonal():
    assert P.flip_antidiagonal(SQ) == g("42\n31")
    assert P.flip_antidiagonal(A) == g("63\n52\n41")
    assert P.flip_antidiagonal(P.flip_antidiagonal(A)) == A


def test_shift_grid():
    grid = g("120\n340\n000")
    assert P.shift_grid(grid, (1, 1)) == g("000\n012\n034")
    assert P.shift_grid(grid, (0, -1)) == g("200\n400\n000")
    assert P.shift_grid(grid, (-1, 0)) == g("340\n000\n000")
    assert P.shift_grid(grid, (0, 0)) == grid
    assert P.shift_grid(grid, (5, 0)) == g("000\n000\n000")
    assert P.shift_grid(grid, (0, -9)) == g("000\n000\n000")
    with pytest.raises(TypeError):
        P.shift_grid(grid, (1, 2, 3))


def test_roll_grid():
    grid = g("12\n34\n56")
    assert P.roll_grid(grid, (1, 0)) == g("56\n12\n34")
    assert P.roll_grid(grid, (0, 1)) == g("21\n43\n65")
    assert P.roll_grid(grid, (-1, 3)) == g("43\n65\n21")
    assert P.roll_grid(grid, (3, 2)) == grid


# --- slicing ---------------------------------------------------------------------------------


def test_crop():
    grid = g("1234\n5678\n9012")
    assert P.crop(grid, (1, 1), (2, 2)) == g("67\n01")
    assert P.crop(grid, (0, 0), (3, 4)) == grid
    assert P.crop(grid, (2, 3), (1, 1)) == ((2,),)
    for start, dims in [((-1, 0), (1, 1)), ((0, 0), (4, 1)), ((0, 3), (1, 2)), ((0, 0), (0, 1))]:
        with pytest.raises(ValueError):
            P.crop(grid, start, dims)


def test_top_half():
    assert P.top_half(g("1\n2\n3\n4")) == g("1\n2")
    assert P.top_half(g("1\n2\n3")) == g("1")  # middle row left out
    with pytest.raises(ValueError):
        P.top_half(g("1"))


def test_bottom_half():
    assert P.bottom_half(g("1\n2\n3\n4")) == g("3\n4")
    assert P.bottom_half(g("1\n2\n3")) == g("3")
    with pytest.raises(ValueError):
        P.bottom_half(g("12"))


def test_left_half():
    assert P.left_half(g("1234\n5678")) == g("12\n56")
    assert P.left_half(g("12345")) == g("12")
    with pytest.raises(ValueError):
        P.left_half(g("1\n2"))


def test_right_half():
    assert P.right_half(g("1234\n5678")) == g("34\n78")
    assert P.right_half(g("12345")) == g("45")
    with pytest.raises(ValueError):
        P.right_half(g("1\n2"))


def test_top_third():
    assert P.top_third(g("1\n2\n3")) == g("1")
    assert P.top_third(g("1\n1\n5\n2\n2\n5\n3\n3")) == g("1\n1")  # 8 rows: bands of 2 + seps
    with pytest.raises(ValueError):
        P.top_third(g("1\n2"))


def test_bottom_third():
    assert P.bottom_third(g("1\n2\n3")) == g("3")
    assert P.bottom_third(g("1\n1\n5\n2\n2\n5\n3\n3")) == g("3\n3")
    with pytest.raises(ValueError):
        P.bottom_third(g("1\n2"))


def test_left_third():
    assert P.left_third(g("112233")) == g("11")
    assert P.left_third(g("11522533")) == g("11")
    with pytest.raises(ValueError):
        P.left_third(g("12"))


def test_right_third():
    assert P.right_third(g("112233")) == g("33")
    assert P.right_third(g("11522533")) == g("33")
    with pytest.raises(ValueError):
        P.right_third(g("12"))


def test_first_rows():
    grid = g("1\n2\n3")
    assert P.first_rows(grid, 2) == g("1\n2")
    assert P.first_rows(grid, 3) == grid
    for bad in (0, 4, -1):
        with pytest.raises(ValueError):
            P.first_rows(grid, bad)


def test_last_rows():
    grid = g("1\n2\n3")
    assert P.last_rows(grid, 1) == g("3")
    assert P.last_rows(grid, 3) == grid
    with pytest.raises(ValueError):
        P.last_rows(grid, 4)


def test_first_columns():
    assert P.first_columns(A, 2) == g("12\n45")
    with pytest.raises(ValueError):
        P.first_columns(A, 0)
    with pytest.raises(ValueError):
        P.first_columns(A, 4)


def test_last_columns():
    assert P.last_columns(A, 1) == g("3\n6")
    assert P.last_columns(A, 3) == A
    with pytest.raises(ValueError):
        P.last_columns(A, 4)


def test_take_row():
    assert P.take_row(A, 1) == g("456")
    with pytest.raises(ValueError):
        P.take_row(A, 2)
    with pytest.raises(ValueError):
        P.take_row(A, -1)  # no Python negative indexing


def test_take_column():
    assert P.take_column(A, 2) == g("3\n6")
    with pytest.raises(ValueError):
        P.take_column(A, 3)
    with pytest.raises(ValueError):
        P.take_column(A, -1)


def test_trim_border():
    grid = g("5555\n5125\n5345\n5555")
    assert P.trim_border(grid) == g("12\n34")
    assert P.trim_border(g("111\n121\n111")) == ((2,),)
    with pytest.raises(ValueError):
        P.trim_border(g("11\n11"))


def test_dedupe_rows():
    assert P.dedupe_rows(g("11\n11\n22\n11\n11")) == g("11\n22\n11")
    assert P.dedupe_rows(g("12")) == g("12")


def test_dedupe_columns():
    assert P.dedupe_columns(g("1122\n3344")) == g("12\n34")
    assert P.dedupe_columns(g("1211\n1211")) == g("121\n121")


def test_split_rows():
    grid = g("11\n22\n33\n44")
    assert P.split_rows(grid, 2) == (g("11\n22"), g("33\n44"))
    assert P.split_rows(grid, 4) == (g("11"), g("22"), g("33"), g("44"))
    assert P.split_rows(g("11\n55\n22"), 2) == (g("11"), g("22"))  # separator dropped
    assert P.split_rows(grid, 1) == (grid,)
    with pytest.raises(ValueError):
        P.split_rows(grid, 3)
    with pytest.raises(ValueError):
        P.split_rows(grid, 0)


def test_split_columns():
    grid = g("1152233")
    assert P.split_columns(g("112233"), 3) == (g("11"), g("22"), g("33"))
    assert P.split_columns(g("11522"), 2) == (g("11"), g("22"))
    with pytest.raises(ValueError):
        P.split_columns(grid, 3)  # 7 columns: neither 3k nor 3k + 2
    assert P.split_columns(grid, 2) == (g("115"), g("233"))  # 7 = 2*3 + 1 separator


# --- scaling ---------------------------------------------------------------------------------


def test_upscale():
    assert P.upscale(SQ, 2) == g("1122\n1122\n3344\n3344")
    assert P.upscale(SQ, 1) == SQ
    with pytest.raises(ValueError):
        P.upscale(SQ, 0)
    with pytest.raises(TooLargeError):
        P.upscale(SQ, 31)  # 62 per side is over the intermediate limit of 60
    big = tuple(tuple([1] * 30) for _ in range(30))
    assert len(P.upscale(big, 2)) == 60


def test_downscale():
    assert P.downscale(g("1122\n1122\n3344\n3344"), 2) == SQ
    assert P.downscale(SQ, 1) == SQ
    with pytest.raises(ValueError):
        P.downscale(SQ, 0)
    with pytest.raises(ValueError):
        P.downscale(SQ, 3)


def test_upscale_horizontal():
    assert P.upscale_horizontal(SQ, 3) == g("111222\n333444")
    with pytest.raises(ValueError):
        P.upscale_horizontal(SQ, 0)
    with pytest.raises(TooLargeError):
        P.upscale_horizontal(SQ, 100)


def test_upscale_vertical():
    assert P.upscale_vertical(SQ, 2) == g("12\n12\n34\n34")
    with pytest.raises(TooLargeError):
        P.upscale_vertical(SQ, 10**6)


# --- tiling and construction -----------------------------------------------------------------


def test_hconcat():
    assert P.hconcat(SQ, g("5\n6")) == g("125\n346")
    with pytest.raises(ValueError):
        P.hconcat(SQ, A[:1])


def test_vconcat():
    assert P.vconcat(SQ, g("56")) == g("12\n34\n56")
    with pytest.raises(ValueError):
        P.vconcat(SQ, A)


def test_tile():
    assert P.tile(SQ, 1, 2) == g("1212\n3434")
    assert P.tile(g("7"), 2, 3) == g("777\n777")
    with pytest.raises(ValueError):
        P.tile(SQ, 0, 1)
    with pytest.raises(TooLargeError):
        P.tile(SQ, 31, 1)


def test_mirror_tile():
    assert P.mirror_tile(SQ) == g("1221\n3443\n3443\n1221")
    assert P.mirror_tile(g("5")) == g("55\n55")


def test_canvas():
    assert P.canvas(3, (2, 3)) == g("333\n333")
    assert P.canvas(0, (1, 1)) == ((0,),)
    with pytest.raises(ValueError):
        P.canvas(10, (2, 2))
    with pytest.raises(ValueError):
        P.canvas(1, (0, 2))
    with pytest.raises(TooLargeError):
        P.canvas(1, (10**6, 10**6))


def test_grid_size():
    assert P.grid_size(A) == (2, 3)
    assert P.grid_size(((1,),)) == (1, 1)


def test_grid_height():
    assert P.grid_height(A) == 2


def test_grid_width():
    assert P.grid_width(A) == 3


def test_cell_at():
    assert P.cell_at(A, (1, 2)) == 6
    assert P.cell_at(A, (0, 0)) == 1
    with pytest.raises(ValueError):
        P.cell_at(A, (2, 0))
    with pytest.raises(ValueError):
        P.cell_at(A, (-1, 0))


# --- colour ----------------------------------------------------------------------------------


def test_replace_colour():
    grid = g("102\n210")
    assert P.replace_colour(grid, 0, 5) == g("152\n215")
    assert P.replace_colour(grid, 7, 5) == grid  # absent colour: no change
    with pytest.raises(ValueError):
        P.replace_colour(grid, 0, 10)
    with pytest.raises(ValueError):
        P.replace_colour(grid, -1, 1)


def test_swap_colours():
    grid = g("102\n210")
    assert P.swap_colours(grid, 1, 2) == g("201\n120")
    assert P.swap_colours(grid, 1, 1) == grid
    with pytest.raises(ValueError):
        P.swap_colours(grid, 1, 12)


def test_recolour_non_background():
    assert P.recolour_non_background(g("102\n030"), 4) == g("404\n040")


def test_keep_colour():
    assert P.keep_colour(g("102\n232"), 2) == g("002\n202")
    assert P.keep_colour(g("11"), 3) == g("00")


def test_invert_mask():
    assert P.invert_mask(g("102\n030"), 7) == g("070\n707")


def test_palette():
    assert P.palette(g("102\n210")) == frozenset({0, 1, 2})
    assert P.palette(g("5")) == frozenset({5})


def test_num_colours():
    assert P.num_colours(g("102\n210")) == 3
    assert P.num_colours(g("00")) == 1


def test_count_colour():
    assert P.count_colour(g("102\n210"), 1) == 2
    assert P.count_colour(g("102\n210"), 9) == 0


def test_most_common_colour():
    assert P.most_common_colour(g("1102\n0200")) == 0
    assert P.most_common_colour(g("12\n21")) == 1  # tie: the smaller colour


def test_least_common_colour():
    assert P.least_common_colour(g("1102\n0200")) == 1
    assert P.least_common_colour(g("3300\n5511")) == 0  # tie of 2s among 0,1,3,5: smallest
    assert P.least_common_colour(g("7")) == 7


def test_cells_of_colour():
    assert P.cells_of_colour(g("102\n210"), 2) == frozenset({(0, 2), (1, 0)})
    assert P.cells_of_colour(g("102"), 5) == frozenset()


def test_overlay_grids():
    assert P.overlay_grids(g("111\n111"), g("020\n003")) == g("121\n113")
    with pytest.raises(ValueError):
        P.overlay_grids(SQ, A)


def test_mask_and():
    assert P.mask_and(g("110\n010"), g("100\n011"), 8) == g("800\n080")
    with pytest.raises(ValueError):
        P.mask_and(SQ, A, 1)


def test_mask_or():
    assert P.mask_or(g("110\n000"), g("100\n001"), 8) == g("880\n008")
    with pytest.raises(ValueError):
        P.mask_or(SQ, SQ, 11)


def test_mask_xor():
    assert P.mask_xor(g("110\n000"), g("100\n001"), 8) == g("080\n008")


def test_mask_nor():
    assert P.mask_nor(g("110\n000"), g("100\n001"), 8) == g("008\n880")
