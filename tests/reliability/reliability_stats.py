"""Figures the reliability suite collects while it runs; printed once at the end of the
session by the terminal-summary hook in ``conftest.py``.

Test modules import this module by name (pytest puts this folder on ``sys.path``), so
every module and the hook share one ``FIGURES`` object.
"""

from __future__ import annotations

import threading
from collections import defaultdict

_LOCK = threading.Lock()

# area -> counter name -> value. Areas: "task files", "programs", "crash safety",
# "concurrency", "exposure".
FIGURES: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

# Headline counters (summed over areas) and how they are labelled in the table.
HEADLINE = (("files", "files tried"), ("programs", "programs tried"),
            ("faults", "faults injected"), ("lost", "experiences lost"),
            ("duplicates", "duplicates"))


def add(area: str, name: str, amount: float = 1) -> None:
    """Add `amount` to counter `name` of `area`."""
    with _LOCK:
        FIGURES[area][name] += amount


def peak(area: str, name: str, value: float) -> None:
    """Keep the largest value seen for counter `name` of `area`."""
    with _LOCK:
        FIGURES[area][name] = max(FIGURES[area][name], value)


def note(area: str, name: str, value: str) -> None:
    """A free-text figure (shown as is)."""
    with _LOCK:
        NOTES[area][name] = value


NOTES: dict[str, dict[str, str]] = defaultdict(dict)


def _fmt(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.3f}"


def table() -> list[str]:
    """The summary table as lines of text."""
    with _LOCK:
        lines = ["", "=" * 30 + " reliability figures " + "=" * 30]
        for key, label in HEADLINE:
            total = sum(c.get(key, 0) for c in FIGURES.values())
            lines.append(f"  {label:<34} {_fmt(total):>14}")
        for area in sorted(set(FIGURES) | set(NOTES)):
            lines.append(f"  [{area}]")
            for name, value in sorted(FIGURES[area].items()):
                lines.append(f"    {name:<40} {_fmt(value):>12}")
            for name, value in sorted(NOTES[area].items()):
                lines.append(f"    {name:<40} {value}")
        lines.append("=" * 81)
        return lines
