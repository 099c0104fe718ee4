"""Grid pictures are exact: one palette colour per cell, borders, and diff marks."""

from __future__ import annotations

from codeit_core.grids import PALETTE_HEX
from ui.loop_diagram import STEPS, loop_svg
from ui.render import BORDER_RGB, MARK_RGB, PALETTE_RGB, cell_size, diff_count, grid_image, grid_png


def test_every_cell_has_its_palette_colour():
    grid = ((0, 1, 2, 3, 4), (5, 6, 7, 8, 9))
    img = grid_image(grid, cell=10)
    assert img.shape == (2 * 10 + 1, 5 * 10 + 1, 3)
    for r, row in enumerate(grid):
        for c, colour in enumerate(row):
            centre = img[r * 10 + 5, c * 10 + 5]
            assert tuple(centre) == tuple(PALETTE_RGB[colour])
    assert (img[0, :] == BORDER_RGB).all() and (img[:, -1] == BORDER_RGB).all()
    assert (img[10, :] == BORDER_RGB).all()  # the line between the two rows


def test_palette_is_the_standard_arc_palette():
    assert PALETTE_HEX[0] == "#000000" and PALETTE_HEX[8] == "#7FDBFF"
    assert PALETTE_RGB.shape == (10, 3)


def test_diff_marks_only_differing_cells():
    a = ((1, 1), (1, 1))
    b = ((1, 2), (1, 1))
    img = grid_image(a, cell=12, diff_with=b)
    assert (img[1:12, 13:25] == MARK_RGB).all(axis=-1).any()  # cell (0, 1) framed
    assert not (img[1:12, 1:12] == MARK_RGB).all(axis=-1).any()  # cell (0, 0) untouched
    assert tuple(img[6, 18]) == tuple(PALETTE_RGB[1])  # the cell keeps its own colour
    # a shape mismatch marks nothing
    plain = grid_image(a, cell=12)
    assert (grid_image(a, cell=12, diff_with=((1,),)) == plain).all()


def test_cell_size_scales_with_the_grid():
    assert cell_size(3, 3) == 30
    assert cell_size(30, 30) == 8
    assert cell_size(1, 30, target=60) == 6


def test_png_is_a_png():
    data = grid_png(((3,),))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_diff_count():
    assert diff_count(((1, 2),), ((1, 3),)) == 1
    assert diff_count(((1, 2),), ((1, 2),)) == 0
    assert diff_count(((1, 2),), ((1,), (2,))) is None


def test_loop_diagram_names_every_phase():
    svg = loop_svg()
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert [name for name, _ in STEPS] == ["Sample", "Execute", "Relabel", "Replay", "Learn"]
    assert all(f">{name}<" in svg for name, _ in STEPS)
    assert svg.count("marker-end") == len(STEPS)


def test_min_width_pads_with_transparency_without_scaling():
    import io

    from PIL import Image

    data = grid_png(((2,),), 10, None, 40)
    picture = Image.open(io.BytesIO(data))
    assert picture.size == (40, 11) and picture.mode == "RGBA"
    assert picture.getpixel((0, 5))[3] == 0                      # margin: transparent
    assert picture.getpixel((20, 5)) == (*PALETTE_RGB[2], 255)   # the cell, unscaled
