"""Draw ARC grids as pixel-exact images: one flat colour block per cell, thin cell borders,
and optional marks on cells that differ from an expected grid."""

from __future__ import annotations

import io
from functools import lru_cache

import numpy as np

from codeit_core.grids import PALETTE_HEX, Grid

PALETTE_RGB = np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in PALETTE_HEX],
                       dtype=np.uint8)
BORDER_RGB = np.array([64, 64, 64], dtype=np.uint8)
MARK_RGB = np.array([255, 255, 255], dtype=np.uint8)


def cell_size(height: int, width: int, target: int = 240) -> int:
    """Pixels per cell so the longer side is about `target` pixels (between 6 and 30)."""
    return int(max(6, min(30, target // max(height, width, 1))))


def grid_image(grid: Grid, cell: int | None = None, diff_with: Grid | None = None,
               target: int = 240) -> np.ndarray:
    """RGB image (H, W, 3) of `grid`: `cell` px per cell including a 1 px border.

    With `diff_with` of the same shape, every cell whose colour differs from it gets a
    white frame (a shape mismatch marks nothing: the caller says so in words).
    """
    a = np.asarray(grid, dtype=np.intp)
    h, w = a.shape
    cell = cell or cell_size(h, w, target)
    img = np.repeat(np.repeat(PALETTE_RGB[a], cell, axis=0), cell, axis=1)
    if diff_with is not None:
        b = np.asarray(diff_with, dtype=np.intp)
        if b.shape == a.shape:
            t = max(1, cell // 6)
            for r, c in zip(*np.nonzero(a != b)):
                y, x = r * cell, c * cell
                img[y:y + cell, x:x + t] = MARK_RGB
                img[y:y + cell, x + cell - t:x + cell] = MARK_RGB
                img[y:y + t, x:x + cell] = MARK_RGB
                img[y + cell - t:y + cell, x:x + cell] = MARK_RGB
    # Cell borders: the first pixel row/column of every cell, plus the closing edge.
    img[::cell, :, :] = BORDER_RGB
    img[:, ::cell, :] = BORDER_RGB
    out = np.empty((h * cell + 1, w * cell + 1, 3), dtype=np.uint8)
    out[:-1, :-1] = img
    out[-1, :] = BORDER_RGB
    out[:, -1] = BORDER_RGB
    return out


@lru_cache(maxsize=4096)
def grid_png(grid: Grid, cell: int | None = None, diff_with: Grid | None = None,
             min_width: int = 0) -> bytes:
    """PNG bytes of grid_image (cached: grids are hashable and galleries repeat them).

    With `min_width`, a narrower picture is centred on a transparent strip that wide, so a
    caption under it fits on one line without the grid being scaled.
    """
    from PIL import Image

    img = grid_image(grid, cell, diff_with)
    h, w, _ = img.shape
    if w < min_width:
        rgba = np.zeros((h, min_width, 4), dtype=np.uint8)
        left = (min_width - w) // 2
        rgba[:, left:left + w, :3] = img
        rgba[:, left:left + w, 3] = 255
        picture = Image.fromarray(rgba, mode="RGBA")
    else:
        picture = Image.fromarray(img)
    buf = io.BytesIO()
    picture.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def diff_count(a: Grid, b: Grid) -> int | None:
    """Number of differing cells, or None when the shapes differ."""
    if len(a) != len(b) or len(a[0]) != len(b[0]):
        return None
    return sum(x != y for ra, rb in zip(a, b) for x, y in zip(ra, rb))
