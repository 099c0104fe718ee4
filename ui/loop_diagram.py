"""The CodeIt loop drawn as an SVG cycle: sample → execute → relabel → replay → learn."""

from __future__ import annotations

import math

from codeit_core.grids import PALETTE_HEX

STEPS: tuple[tuple[str, str], ...] = (
    ("Sample", "policy writes programs"),
    ("Execute", "run on demo inputs"),
    ("Relabel", "outputs become targets"),
    ("Replay", "prioritized buffer"),
    ("Learn", "train on a priority sample"),
)


def loop_svg(width: int = 620, height: int = 500) -> str:
    """An SVG string: the five phases on a circle, joined by arrows in loop order."""
    cx, cy, r = width / 2, height / 2 + 4, min(width, height) / 2 - 40
    colours = [PALETTE_HEX[i] for i in (1, 2, 3, 4, 8)]
    pts = [(cx + r * math.cos(-math.pi / 2 + 2 * math.pi * i / len(STEPS)),
            cy + r * math.sin(-math.pi / 2 + 2 * math.pi * i / len(STEPS)))
           for i in range(len(STEPS))]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#bbbbbb"/></marker></defs>',
        f'<text x="{cx}" y="{cy - 6}" text-anchor="middle" fill="#e6e6e6" font-size="20" '
        f'font-weight="bold">CodeIt</text>',
        f'<text x="{cx}" y="{cy + 16}" text-anchor="middle" fill="#aaaaaa" font-size="12">'
        f'one meta-iteration</text>',
    ]
    box_w, box_h = 136, 48
    for (x1, y1), (x2, y2) in zip(pts, pts[1:] + pts[:1]):
        # each arrow runs from box edge to box edge (plus a small gap)
        dx, dy = x2 - x1, y2 - y1
        d = math.hypot(dx, dy)
        ux, uy = dx / d, dy / d
        edge = min(box_w / 2 / abs(ux) if ux else math.inf,
                   box_h / 2 / abs(uy) if uy else math.inf) + 6
        parts.append(f'<line x1="{x1 + ux * edge:.1f}" y1="{y1 + uy * edge:.1f}" '
                     f'x2="{x2 - ux * edge:.1f}" y2="{y2 - uy * edge:.1f}" stroke="#bbbbbb" '
                     f'stroke-width="2" marker-end="url(#arrow)"/>')
    for (x, y), (name, note), colour in zip(pts, STEPS, colours):
        parts.append(f'<rect x="{x - box_w / 2:.1f}" y="{y - box_h / 2:.1f}" width="{box_w}" '
                     f'height="{box_h}" rx="8" fill="#1c2128" stroke="{colour}" '
                     f'stroke-width="3"/>')
        parts.append(f'<text x="{x:.1f}" y="{y - 3:.1f}" text-anchor="middle" fill="#ffffff" '
                     f'font-size="15" font-weight="bold">{name}</text>')
        parts.append(f'<text x="{x:.1f}" y="{y + 15:.1f}" text-anchor="middle" fill="#bbbbbb" '
                     f'font-size="10.5">{note}</text>')
    parts.append("</svg>")
    return "".join(parts)
