"""Benchmark protocols: the paper's mutation baseline, and a policy through real CodeIt
meta-iterations with its control.

    python -m codeit_core bench --protocol mutation --json OUT
    python -m codeit_core bench --protocol smoke --json OUT [--policy neural] [--ablation A2]

Protocols:

  mutation  the paper's baseline ("search tasks"): the reference programs and their
            mutants run on every ARC-AGI-1 evaluation task; solved counts (top-3) at 9,600
            and 19,200 mutant samples (``--mutants`` for other budgets), beside the
            paper's 28 and 32
  tune      the paper's tuning split of the ARC-AGI-1 *training* set: search on its 89
            "val" tasks, seed from the other 311 (the 89 tasks' reference programs are left
            out of the seed), 10 meta-iterations: choose settings here
  smoke     the first 100 evaluation tasks, 5 meta-iterations, 24 samples per task, the run
            defaults otherwise: a few minutes on 2 idle cores
  standard  all 400 evaluation tasks, 10 meta-iterations, 24 samples per task, the run
            defaults
  long      all 400 evaluation tasks, the run defaults, meta-iterations until a wall budget
            of 60 minutes (seeding and search included); no control

The evaluation tasks are measured only — nothing here is tuned on them.

The policy protocols run the policy twice in fresh run directories: as configured
("learning"), and with learning switched off (``policy_options.learning = False``: the
policy is never updated after pretraining; for the mutation baseline the parents stay the
seed pool), at the same sample budget — the control. The JSON written after every
meta-iteration holds, per run and iteration, the policy-only, cumulative and headline
(cumulative ∪ search tasks) solved counts, the wall time, the executions per second
(program × example runs over the Execute step) and the peak memory of this process and its
reaped children (``resource.getrusage``) and of the live executor workers (their VmHWM).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

from codeit_core.runlock import WriterLock
from codeit_core.runs import RunConfig, RunDir

SPLIT_FILE = Path(__file__).resolve().parent / "data" / "paper_split.json"


def paper_split() -> dict[str, list[str]]:
    """The paper's split of the ARC-AGI-1 training set: {"train": 311 ids, "val": 89 ids}."""
    data = json.loads(SPLIT_FILE.read_text())
    return {"train": list(data["train"]), "val": list(data["val"])}


PROTOCOLS: dict[str, dict[str, Any]] = {
    "smoke": dict(dataset="arc1-eval", tasks="100", iterations=5, samples_per_task=24),
    "standard": dict(dataset="arc1-eval", tasks="", iterations=10, samples_per_task=24),
    "tune": dict(dataset="arc1-train", tasks="paper-val", iterations=10,
                 samples_per_task=24),
    "long": dict(dataset="arc1-eval", tasks="", iterations=100_000, samples_per_task=24),
    "mutation": dict(dataset="arc1-eval", tasks="", iterations=1, policy="mutation"),
}
# Wall budgets (seconds) of protocols that run until a time is up, seeding included.
WALL_BUDGETS = {"long": 3600.0}
# Protocols without a learning-off control.
NO_CONTROL = {"long", "mutation"}
# The paper's mutation baseline on the 400 evaluation tasks (Butt et al. 2024, table 1).
PAPER_MUTATION = {"samples": [9600, 19200, 1_430_000], "solved": [28, 32, 42]}
MUTATION_BUDGETS = (9600, 19200)


def peak_memory_mb() -> dict[str, float]:
    """Peak resident memory (MB) of this process and of its waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scale = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024
    return {"self": round(own * scale, 1), "children": round(kids * scale, 1),
            "total": round((own + kids) * scale, 1)}


def resident_mb() -> float:
    """This process's resident memory now, in MB (the peak above includes the transient
    tensors of a Learn step)."""
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def workers_peak_mb(pids: list[int]) -> float:
    """Sum of the peak resident memory (VmHWM) of live executor workers, in MB (Linux;
    0 elsewhere). Live workers are not yet waited for, so getrusage cannot see them."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return round(total / 1024, 1)


def _executions(loop: Any, iteration: int) -> int:
    """Program × example runs of one iteration's Execute step."""
    total = 0
    for tid, n in loop.run_store.samples_per_task(iteration).items():
        task = loop.tasks_by_id[tid]
        total += n * (len(task.train) + len(task.test))
    return total


def run_one(config: RunConfig, run_dir: Path, label: str,
            on_update: Callable[[dict[str, Any]], None],
            log: Callable[[str], None], wall_budget: float | None = None) -> dict[str, Any]:
    """Seed and run `config` in `run_dir`; report after every meta-iteration. With a
    `wall_budget` (seconds, seeding included) no meta-iteration starts that would likely
    end after it (judged by the mean iteration so far)."""
    from codeit_core.loop import CodeItLoop

    result: dict[str, Any] = {"label": label, "run_dir": str(run_dir),
                              "policy_options": config.policy_options, "iterations": []}
    started = time.perf_counter()
    with CodeItLoop.create(RunDir(run_dir), config) as loop, \
            WriterLock(loop.dir, f"bench run {label!r}"):
        t = time.perf_counter()
        seed = loop.seed()
        result["seed"] = {**seed, "wall_seconds": round(time.perf_counter() - t, 2)}
        log(f"[{label}] seed pool: {seed}")
        on_update(result)
        while loop.completed_iterations() < config.iterations:
            if wall_budget is not None:
                elapsed = time.perf_counter() - started
                walls = [r["wall_seconds"] for r in result["iterations"]]
                mean = sum(walls) / len(walls) if walls else 0.0
                if elapsed + mean > wall_budget:
                    result["stopped_by_wall_budget"] = wall_budget
                    break
            t = time.perf_counter()
            m = loop.run_iteration()
            wall = time.perf_counter() - t
            it = loop.state.iteration
            execs = _executions(loop, it)
            ex_s = m.get("execute_seconds") or 0.0
            row = {
                "iteration": it,
                "policy_only_solved": m.get("policy_only_solved"),
                "cumulative_solved": m.get("cumulative_solved"),
                "headline_cumulative_solved": m.get("headline_cumulative_solved"),
                "demo_consistent": m.get("demo_consistent"),
                "oracle": m.get("oracle"),
                "sampled": m.get("sampled"), "unique": m.get("unique"),
                "valid": m.get("valid"), "solved_a_demo": m.get("solved_a_demo"),
                "buffer_seed": m.get("buffer_seed"), "buffer_policy": m.get("buffer_policy"),
                "learn": m.get("learn"),
                "learn_seconds": m.get("learn_seconds"),
                "sample_seconds": m.get("sample_seconds"),
                "execute_seconds": ex_s,
                "executions": execs,
                "executions_per_second": round(execs / ex_s, 1) if ex_s else None,
                "wall_seconds": round(wall, 2),
                "elapsed_seconds": round(time.perf_counter() - started, 2),
                "peak_memory_mb": {**peak_memory_mb(),
                                   "live_workers": workers_peak_mb(loop.executor.worker_pids())},
                "resident_mb": resident_mb(),
            }
            result["iterations"].append(row)
            log(f"[{label}] iter {it}: policy-only {row['policy_only_solved']}, cumulative "
                f"{row['cumulative_solved']}, headline (∪ search) "
                f"{row['headline_cumulative_solved']}, wall {row['wall_seconds']} s "
                f"(learn {row['learn_seconds']}, sample {row['sample_seconds']}, execute "
                f"{ex_s}), {row['executions_per_second']} exec/s")
            on_update(result)
    result["wall_seconds"] = round(time.perf_counter() - started, 2)
    its = result["iterations"]
    if its:
        result["first_policy_only"] = its[0]["policy_only_solved"]
        result["last_policy_only"] = its[-1]["policy_only_solved"]
        result["final_cumulative"] = its[-1]["cumulative_solved"]
        result["final_headline_cumulative"] = its[-1]["headline_cumulative_solved"]
    on_update(result)
    return result


def run_mutation(config: RunConfig, run_dir: Path, report: dict[str, Any],
                 write: Callable[[], None], log: Callable[[str], None],
                 budgets: tuple[int, ...] = MUTATION_BUDGETS) -> dict[str, Any]:
    """The paper's mutation baseline: seed a run whose search uses max(budgets) mutants,
    then count the tasks solved (top-3) with the first N mutants for each budget N."""
    from codeit_core.loop import CodeItLoop

    config = RunConfig(**{**asdict(config), "search_mutants": max(budgets)}).validate()
    report["config"] = asdict(config)
    phases: dict[str, float] = {}
    last = {"phase": None, "t": time.perf_counter(), "shown": 0.0}

    def progress(phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if phase != last["phase"]:
            last["phase"], last["t"] = phase, now
        phases[phase] = round(now - last["t"], 2)
        if done >= total or now - last["shown"] > 15:
            last["shown"] = now
            log(f"[mutation] {phase}: {done}/{total} ({phases[phase]} s)")

    started = time.perf_counter()
    with CodeItLoop.create(RunDir(run_dir), config, progress=progress) as loop, \
            WriterLock(loop.dir, "bench: the mutation baseline"):
        seed = loop.seed()
        result = loop.search_result
    if result is None:
        raise ValueError("the mutation protocol needs the search (no A6, search_mutants > 0)")
    counts = [len(result.solved(n_mutants=n)) for n in budgets]
    report["mutation"] = {"samples": list(budgets), "solved": counts,
                          "programs": [result.programs_within(n) for n in budgets],
                          "references": result.n_references}
    report["paper_mutation"] = PAPER_MUTATION
    report["search"] = result.stats
    report["phase_seconds"] = phases
    report["seed"] = {k: v for k, v in seed.items() if k != "search"}
    report["wall_seconds"] = round(time.perf_counter() - started, 2)
    report["summary"] = {"mutation_samples": list(budgets), "mutation_solved": counts,
                         "paper_solved": PAPER_MUTATION["solved"][:len(budgets)],
                         "search_seconds": result.stats.get("seconds"),
                         "cached": result.stats.get("cached"),
                         "wall_seconds": report["wall_seconds"]}
    write()
    log(f"[mutation] solved {dict(zip(budgets, counts))} (paper: 28 at 9,600, 32 at "
        f"19,200); search {result.stats.get('seconds')} s, wall {report['wall_seconds']} s")
    return report


def run_protocol(protocol: str, json_out: Path, policy: str = "neural", ablation: str = "",
                 run_dir: Path | None = None, control: bool = True,
                 overrides: dict[str, Any] | None = None,
                 policy_options: dict[str, Any] | None = None,
                 log: Callable[[str], None] = lambda s: print(s, flush=True),
                 mutation_budgets: list[int] | None = None,
                 wall_budget: float | None = None) -> dict[str, Any]:
    """Run `protocol` (and its learning-off control) and write the report to `json_out`."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; expected one of "
                         f"{', '.join(PROTOCOLS)}")
    settings = {**PROTOCOLS[protocol], **(overrides or {})}
    if settings.get("tasks") == "paper-val":
        settings["tasks"] = ",".join(paper_split()["val"])
    settings.setdefault("policy", policy)
    base = RunConfig(**settings, ablation=ablation,
                     policy_options=dict(policy_options or {})).validate()
    root = Path(run_dir) if run_dir else Path(tempfile.mkdtemp(prefix="codeit-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    json_out = Path(json_out)
    report: dict[str, Any] = {
        "protocol": protocol, "policy": policy, "ablation": ablation,
        "config": asdict(base), "runs": {}, "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "wall_budget_seconds": (wall_budget if wall_budget is not None
                                else WALL_BUDGETS.get(protocol)),
        "cpu_count": os.cpu_count(),
    }

    def write() -> None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        tmp = json_out.with_name(json_out.name + ".tmp")
        tmp.write_text(json.dumps(report, indent=2, default=str) + "\n")
        os.replace(tmp, json_out)

    if protocol == "mutation":
        target = root / "mutation"
        if target.exists() and not run_dir:
            shutil.rmtree(target)
        return run_mutation(base, target, report, write, log,
                            tuple(mutation_budgets or MUTATION_BUDGETS))
    variants = [("learning", base)]
    if control and protocol not in NO_CONTROL:
        off = RunConfig(**{**asdict(base),
                           "policy_options": {**base.policy_options, "learning": False}})
        variants.append(("no_learning", off.validate()))
    t0 = time.perf_counter()
    for label, config in variants:
        target = root / label
        if target.exists() and not run_dir:
            shutil.rmtree(target)

        def update(result: dict[str, Any], label: str = label) -> None:
            report["runs"][label] = result
            report["wall_seconds"] = round(time.perf_counter() - t0, 2)
            report["peak_memory_mb"] = peak_memory_mb()
            write()

        run_one(config, target, label, update, log,
                wall_budget if wall_budget is not None else WALL_BUDGETS.get(protocol))
    report["summary"] = summarize(report)
    report["wall_seconds"] = round(time.perf_counter() - t0, 2)
    write()
    return report


def summarize(report: dict[str, Any]) -> dict[str, Any]:
    """The issue's checks: policy-only last > first, last > control's, cumulative."""
    runs = report["runs"]
    on = runs.get("learning", {})
    off = runs.get("no_learning", {})
    def pretrain_epochs(run: dict[str, Any]) -> Any:
        its = run.get("iterations") or [{}]
        return (its[0].get("learn") or {}).get("pretrain_epochs")

    out: dict[str, Any] = {
        "pretrain_epochs": pretrain_epochs(on),
        "first_policy_only": on.get("first_policy_only"),
        "last_policy_only": on.get("last_policy_only"),
        "final_cumulative": on.get("final_cumulative"),
        "final_headline_cumulative": on.get("final_headline_cumulative"),
        "iterations": len(on.get("iterations") or []),
        "learning_wall_seconds": on.get("wall_seconds"),
    }
    if on.get("last_policy_only") is not None and on.get("first_policy_only") is not None:
        out["last_above_first"] = on["last_policy_only"] > on["first_policy_only"]
    if off:
        out["control_pretrain_epochs"] = pretrain_epochs(off)
        out["control_last_policy_only"] = off.get("last_policy_only")
        out["control_final_cumulative"] = off.get("final_cumulative")
        if off.get("last_policy_only") is not None and on.get("last_policy_only") is not None:
            out["last_above_control"] = on["last_policy_only"] > off["last_policy_only"]
    return out
