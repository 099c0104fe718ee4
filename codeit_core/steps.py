"""The steps of a CodeIt run, declared once: seed (once), then a meta-iteration of five.

Everything that needs the order of the steps derives it from `STEPS`: the loop's
`next_step` and resume, the background process's check that a loop in memory still
matches its database, the Run page's buttons and headings, and the tests.

A step leaves its iteration in a *phase*. Every phase but one is recorded in the run's
database at the end of the step's transaction; Sample's is not (its programs live in memory
until Execute records them), so a run stopped after Sample resumes by sampling again, with
the same random draws.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    name: str
    """the loop's method (CodeItLoop.<name>) and the step's key everywhere"""
    label: str
    """what the step is called on the page"""
    leaves: str
    """the phase the step leaves its iteration in ('' for the seed: not an iteration's)"""
    persists: str
    """what the step writes to the run, in words"""

    @property
    def saved(self) -> bool:
        """Whether the phase it leaves is recorded in the database."""
        return self.leaves not in ("", UNSAVED)


UNSAVED = "sampled"
STARTED = "started"
"""recorded when Learn begins, so a run killed inside Learn redoes it"""
NEW = "new"
"""in memory only: no step of the iteration has begun"""

STEPS: tuple[Step, ...] = (
    Step("seed", "Seed", "", "the seed pool, the search tasks' candidates, 'seeded' in meta"),
    Step("learn", "Learn", "learned", "the policy's checkpoint and the Learn statistics"),
    Step("sample", "Sample", UNSAVED, "nothing: the samples stay in memory until Execute"),
    Step("execute", "Execute", "executed", "every sample with its outputs, rewards and error"),
    Step("store", "Relabel & store", "stored", "the hindsight experiences, by priority"),
    Step("score", "Score", "scored", "the iteration's solved counts and buffer sizes"),
)
BY_NAME = {s.name: s for s in STEPS}
ITERATION = STEPS[1:]
"""the five steps of one meta-iteration, in order"""
PHASES: tuple[str, ...] = (STARTED, *(s.leaves for s in ITERATION if s.saved))
"""the phases the database records, in order"""
LAST_PHASE = ITERATION[-1].leaves


def label(name: str) -> str:
    return BY_NAME[name].label


def steps_done(phase: str) -> int:
    """How many of the iteration's steps are done when it is in `phase`."""
    for k, step in enumerate(ITERATION, 1):
        if step.leaves == phase:
            return k
    return 0  # new or started


def step_after(phase: str) -> str:
    """The iteration step that follows `phase` (after the last, the next iteration's first)."""
    done = steps_done(phase)
    return ITERATION[done % len(ITERATION)].name


def recorded_phase(phase: str) -> str:
    """The phase the database holds for an iteration in `phase` in memory: an unsaved
    phase is recorded as the saved one before it."""
    if phase == UNSAVED:
        return ITERATION[steps_done(phase) - 2].leaves
    return phase
