"""Streamlit components shared by the pages: grids, pairs, and whole tasks."""

from __future__ import annotations

from typing import Sequence

import streamlit as st

from codeit_core.grids import PALETTE_HEX, Grid
from codeit_core.tasks import Pair, Task
from ui.render import cell_size, diff_count, grid_png


def size_caption(grid: Grid) -> str:
    return f"{len(grid)}×{len(grid[0])}"


def show_grid(grid: Grid, label: str = "", diff_with: Grid | None = None,
              cell: int | None = None) -> None:
    """One grid, exact, in the ARC palette, with its size (and label) as caption."""
    caption = f"{label} · {size_caption(grid)}" if label else size_caption(grid)
    cell = cell or cell_size(len(grid), len(grid[0]))
    # An explicit width keeps the grid at its true size; a transparent margin gives a short
    # caption room for one line (about 7 px a character).
    width = max(len(grid[0]) * cell + 1, min(7 * len(caption), 180))
    st.image(grid_png(grid, cell, diff_with, width), caption=caption, width=width)


def show_unknown(label: str) -> None:
    st.caption(f"{label}: unknown")


def arrow() -> None:
    st.markdown("<div style='font-size:1.6rem;color:#888;padding-top:3.5rem'>→</div>",
                unsafe_allow_html=True, width="content")


def show_pair(pair: Pair, title: str, predicted: Grid | None = None,
              cell: int | None = None, error: str | None = None) -> None:
    """A bordered card: input → expected output (→ predicted, differing cells framed),
    with `error` (what went wrong instead of a prediction) under it."""
    with st.container(border=True, width="content"):
        st.markdown(f"**{title}**")
        with st.container(horizontal=True, vertical_alignment="top", width="content"):
            show_grid(pair.input, "input", cell=cell)
            arrow()
            if pair.output is None:
                show_unknown("output")
            else:
                show_grid(pair.output, "output", cell=cell)
            if predicted is not None:
                arrow()
                show_prediction(predicted, pair.output, cell=cell)
        if error:
            st.error(error, icon=":material/error:")


def show_prediction(predicted: Grid, expected: Grid | None, cell: int | None = None) -> None:
    """A predicted grid, framed where it differs from `expected`, with a verdict caption."""
    if expected is None:
        show_grid(predicted, "predicted", cell=cell)
        return
    n = diff_count(predicted, expected)
    if n is None:
        verdict = f"wrong size (expected {size_caption(expected)})"
    elif n == 0:
        verdict = "exact ✓"
    else:
        verdict = f"{n} cell{'s' if n != 1 else ''} differ"
    show_grid(predicted, f"predicted — {verdict}", diff_with=expected if n else None,
              cell=cell if n is not None else None)


def pair_cell_size(pairs: Sequence[Pair], target: int = 200) -> int:
    """One cell size for a whole task, so every grid of it is drawn at the same scale."""
    side = max(max(len(g), len(g[0])) for p in pairs for g in (p.input, p.output) if g)
    return cell_size(side, side, target)


def show_task(task: Task, max_pairs: int | None = None) -> None:
    """Every demonstration and test pair of a task as cards that wrap across the page."""
    cell = pair_cell_size(task.train + task.test)
    st.markdown("##### Demonstrations")
    with st.container(horizontal=True, gap="medium"):
        for i, pair in enumerate(task.train[:max_pairs]):
            show_pair(pair, f"Demonstration {i + 1}", cell=cell)
    st.markdown("##### Test")
    with st.container(horizontal=True, gap="medium"):
        for i, pair in enumerate(task.test[:max_pairs]):
            show_pair(pair, f"Test {i + 1}", cell=cell)


def colour_chips(colours: str) -> str:
    """HTML: a small palette swatch before each colour number of a comma-separated list."""
    chips = []
    for c in colours.split(", "):
        if c.isdigit():
            chips.append(f"<span style='display:inline-block;width:0.8em;height:0.8em;"
                         f"background:{PALETTE_HEX[int(c)]};border:1px solid #666;"
                         f"margin:0 0.2em 0 0.5em;vertical-align:-0.05em'></span>{c}")
    return "".join(chips)


def task_stats(task: Task) -> dict[str, str]:
    """Small facts about a task: sizes, colours, whether outputs keep the input size."""
    pairs: Sequence[Pair] = task.train + task.test
    sizes_in = sorted({size_caption(p.input) for p in pairs})
    sizes_out = sorted({size_caption(p.output) for p in pairs if p.output is not None})
    colours = sorted({v for p in pairs for g in (p.input, p.output) if g for r in g for v in r})
    same = all(len(p.input) == len(p.output) and len(p.input[0]) == len(p.output[0])
               for p in pairs if p.output is not None)
    return {
        "demonstrations": str(len(task.train)),
        "tests": str(len(task.test)),
        "input sizes": ", ".join(sizes_in),
        "output sizes": ", ".join(sizes_out) or "unknown",
        "colours used": ", ".join(map(str, colours)),
        "same size in and out": "yes" if same else "no",
    }
