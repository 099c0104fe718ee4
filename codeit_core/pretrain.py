"""Pretrained weights for the neural policy, made the way a run's first Learn step makes them.

    python -m codeit_core pretrain --out codeit_core/data/neural_pretrained.pt

A run pretrains its neural policy on its seed pool before the first Learn step (~50 s on 2
cores). ``pretrain_checkpoint`` does exactly that outside a run — the seed pool a default
run builds (every reference program and ``seed_mutants`` mutants, relabeled on their
ARC-AGI-1 *training* tasks; no search task, so nothing of an evaluation set), the same
seeded random streams, the same epochs — and writes the weights, which a run then starts
from with the policy option ``init_checkpoint`` instead of pretraining. The project ships
one (``init_checkpoint="bundled"``, the Run page's Demo preset); what made it is written
beside it as JSON (the command, the seed, the seed pool, the versions), so it can be made
again. The weights are the same for the same inputs on the same, otherwise idle machine;
not across machines (torch kernels differ), and not on a loaded one: seeding runs mutants
under the executor's time limit, and a mutant near it can land on the other side (measured:
with a test suite running beside it, another seed pool and other weights).
"""

from __future__ import annotations

import hashlib
import json
import platform
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from codeit_core.runs import RunConfig, RunDir, python_rng, write_atomic

Progress = Callable[[str, int, int], None]


def metadata_path(checkpoint: Path) -> Path:
    """The JSON that says what made a checkpoint: beside it, same name."""
    return Path(checkpoint).with_suffix(".json")


def inputs_digest(seed: int, seed_mutants: int) -> str:
    """A digest of what decides a default seed pool: the reference programs, the mutation
    code, the seed and the number of mutants. A checkpoint whose recorded digest differs
    from today's was pretrained on another seed pool (make it again)."""
    from codeit_core import mutate
    from codeit_core.solutions import load_solutions

    h = hashlib.sha256(json.dumps([seed, seed_mutants]).encode())
    for tid, text in load_solutions().items():
        h.update(f"{tid}\n{text}\0".encode())
    h.update(Path(mutate.__file__).read_bytes())
    return h.hexdigest()


def pretrain_checkpoint(out: Path, seed: int = 0, seed_mutants: int | None = None,
                        options: dict[str, Any] | None = None, workers: int = 0,
                        progress: Progress | None = None) -> dict[str, Any]:
    """Seed a throwaway run as a default run would, pretrain the neural policy on its seed
    pool, and write the weights to `out` (and what made them to ``metadata_path(out)``).
    Returns that metadata."""
    import torch

    from codeit_core.loop import CodeItLoop
    from codeit_core.policies.neural import ARCHITECTURE

    options = {k: v for k, v in (options or {}).items() if k != "init_checkpoint"}
    defaults = RunConfig()
    config = RunConfig(policy="neural", seed=seed, search_mutants=0, search_experiences=0,
                       seed_mutants=defaults.seed_mutants if seed_mutants is None
                       else seed_mutants, policy_options=options, workers=workers)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="codeit-pretrain-") as tmp:
        run = RunDir(Path(tmp) / "run")
        with CodeItLoop.create(run, config, progress=progress) as loop:
            seeded = loop.seed()
            pool = loop.pretraining_pool()
            if progress:
                progress("pretrain", 0, 1)
            stats = loop.policy.pretrain(pool, python_rng(config.seed, "pretrain"))
            if progress:
                progress("pretrain", 1, 1)
            loop.policy.save_pretrained(Path(out))
            settings = dict(loop.policy.options)
    digest = hashlib.sha256()
    for e in sorted(pool, key=lambda e: (e.task_id, e.program)):
        digest.update(f"{e.task_id}\n{e.program}\0".encode())
    meta = {"made_by": "python -m codeit_core pretrain --out FILE"
                       + (f" --seed {seed}" if seed else "")
                       + (f" --seed-mutants {seed_mutants}" if seed_mutants is not None else "")
                       + "".join(f" --policy-option {k}={v}" for k, v in sorted(options.items())),
            "created": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
            "seed": seed, "architecture": {k: settings[k] for k in ARCHITECTURE},
            "options": {k: v for k, v in settings.items() if k not in ("device", "threads")},
            "seed_pool": {"reference_programs": seeded["reference_programs"],
                          "mutants": seeded["mutants"], "experiences": len(pool),
                          "dataset": "arc1-train", "sha256": digest.hexdigest(),
                          "inputs_sha256": inputs_digest(seed, config.seed_mutants)},
            "pretrain": stats, "seconds": round(time.perf_counter() - started, 1),
            "versions": {"torch": torch.__version__, "python": platform.python_version()},
            "note": "the same weights for the same inputs on the same, otherwise idle "
                    "machine: torch kernels differ across machines, and on a loaded one a "
                    "mutant near the time limit can change the seed pool"}
    write_atomic(metadata_path(Path(out)), (json.dumps(meta, indent=2) + "\n").encode())
    return meta
