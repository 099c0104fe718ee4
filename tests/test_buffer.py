"""The prioritized replay buffer: storage, the priority formula, sampling, capacity."""

from __future__ import annotations

import numpy as np
import pytest

from codeit_core.buffer import Filters, PriorityWeights, ReplayBuffer
from codeit_core.db import connect
from codeit_core.relabel import Experience

G = ((1, 2), (3, 4))


def exp(task="t", program="O = identity(I)\n", pool="policy", acc=0.0, pix=0.0, length=1,
        iteration=0, sample_id=None) -> Experience:
    return Experience(task, program, (G,), (G,), acc, pix, length, iteration, pool, sample_id)


@pytest.fixture
def conn(tmp_path):
    c = connect(tmp_path / "run.sqlite")
    yield c
    c.close()


def test_database_is_in_wal_mode(conn):
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_add_and_read_back(conn):
    buf = ReplayBuffer(conn)
    assert buf.add([exp(acc=0.5, sample_id=3)]) == 1
    [row] = buf.page()
    info, e = buf.get(row["id"])
    assert e.inputs == (G,) and e.outputs == (G,)
    assert info["sample_id"] == 3 and e.demo_accuracy == 0.5


def test_repeat_of_task_and_program_replaces_the_older_entry(conn):
    buf = ReplayBuffer(conn)
    buf.add([exp(acc=0.0, iteration=1)])
    buf.add([exp(acc=1.0, iteration=2), exp(task="u")])
    assert buf.size() == 2
    row = buf.page(Filters(task_id="t"))[0]
    assert row["iteration"] == 2 and row["demo_accuracy"] == 1.0


@pytest.mark.parametrize("weights,expected", [
    (PriorityWeights(), 0.5 + 1e-3),
    (PriorityWeights(performance=0, shortness=1), 1 / 4 + 1e-3),
    (PriorityWeights(performance=0, distance=1), 0.8 + 1e-3),
    (PriorityWeights(performance=2, shortness=1, distance=1, epsilon=0.01),
     2 * 0.5 + 0.25 + 0.8 + 0.01),
])
def test_priority_formula_and_each_weight(conn, weights, expected):
    buf = ReplayBuffer(conn, weights=weights)
    buf.add([exp(acc=0.5, pix=0.8, length=4)])
    assert buf.page()[0]["priority"] == pytest.approx(expected)


def test_recency_weight_favours_recent_iterations(conn):
    buf = ReplayBuffer(conn, weights=PriorityWeights(performance=0, recency=1))
    buf.add([exp(program="a", iteration=0), exp(program="b", iteration=9)])
    ids, w = buf.sampling_weights("policy", current_iteration=9)
    by_id = dict(zip(ids.tolist(), w.tolist()))
    rows = {r["program"]: r["id"] for r in buf.page()}
    assert by_id[rows["b"]] == pytest.approx(1.0 + 1e-3)
    assert by_id[rows["a"]] == pytest.approx(0.1 + 1e-3)


def test_negative_weights_and_bad_settings_are_refused(conn):
    with pytest.raises(ValueError, match="shortness"):
        PriorityWeights(shortness=-1)
    with pytest.raises(ValueError, match="epsilon"):
        PriorityWeights(epsilon=0)
    with pytest.raises(ValueError, match="alpha"):
        ReplayBuffer(conn, alpha=-1)
    with pytest.raises(ValueError, match="capacity"):
        ReplayBuffer(conn, capacity=0)


def test_sampling_frequencies_follow_priority(conn):
    """Single draws: the empirical distribution matches priority / sum (chi-square)."""
    buf = ReplayBuffer(conn, weights=PriorityWeights(epsilon=1e-9))
    accs = [0.1, 0.2, 0.3, 0.4]
    buf.add([exp(program=f"p{i}", acc=a) for i, a in enumerate(accs)])
    ids, w = buf.sampling_weights("policy")
    rng = np.random.default_rng(0)
    n = 20_000
    counts = {i: 0 for i in ids.tolist()}
    for _ in range(n):
        counts[int(buf.draw(ids, w, 1, rng)[0])] += 1
    expected = w / w.sum() * n
    observed = np.array([counts[i] for i in ids.tolist()])
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    assert chi2 < 16.3  # p = 0.001 with 3 degrees of freedom


def test_priority_exponent_alpha(conn):
    buf = ReplayBuffer(conn, alpha=0.5, weights=PriorityWeights(epsilon=1e-9))
    buf.add([exp(program="a", acc=0.25), exp(program="b", acc=1.0)])
    _, w = buf.sampling_weights("policy")
    assert sorted(w.tolist()) == pytest.approx([0.5, 1.0])


def test_uniform_ablation_ignores_priority(conn):
    buf = ReplayBuffer(conn, uniform=True)
    buf.add([exp(program="a", acc=0.0), exp(program="b", acc=1.0)])
    _, w = buf.sampling_weights("policy")
    assert w.tolist() == [1.0, 1.0]


def test_sample_is_without_replacement_and_mixes_pools_nine_to_one(conn):
    buf = ReplayBuffer(conn)
    buf.add([exp(program=f"p{i}", pool="policy", acc=(i % 5) / 4) for i in range(300)])
    buf.add([exp(program=f"s{i}", pool="seed", acc=1.0) for i in range(100)])
    batch = buf.sample(100, np.random.default_rng(1))
    assert len(batch) == 100
    assert len({(e.task_id, e.program) for e in batch}) == 100
    assert sum(e.pool == "seed" for e in batch) == 10
    # a short pool is topped up by the other; asking for more than stored gives everything
    assert len(buf.sample(1000, np.random.default_rng(2))) == 400
    buf2 = ReplayBuffer(conn, policy_share=1.0)
    assert all(e.pool == "policy" for e in buf2.sample(50, np.random.default_rng(3)))


def test_high_priority_is_drawn_first(conn):
    buf = ReplayBuffer(conn, weights=PriorityWeights(epsilon=1e-6))
    buf.add([exp(program=f"low{i}", acc=0.0) for i in range(50)])
    buf.add([exp(program="high", acc=1.0)])
    picks = [buf.sample(1, np.random.default_rng(s))[0].program for s in range(20)]
    assert picks.count("high") >= 19


def test_capacity_drops_lowest_priority_policy_experiences(conn):
    buf = ReplayBuffer(conn, capacity=3)
    buf.add([exp(program="seed", pool="seed", acc=0.0)])
    buf.add([exp(program=f"p{i}", acc=i / 10, iteration=i) for i in range(6)])
    kept = sorted(r["program"] for r in buf.page(Filters(pool="policy")))
    assert kept == ["p3", "p4", "p5"]
    assert buf.size("seed") == 1


def test_filters_and_pages_in_priority_order(conn):
    buf = ReplayBuffer(conn)
    buf.add([exp(task=f"t{i % 3}", program=f"x{i} = rotate_cw(I)", acc=[0, 0.5, 1][i % 3],
                 iteration=i % 2) for i in range(30)])
    page = buf.page(limit=10)
    assert [r["priority"] for r in page] == sorted((r["priority"] for r in page), reverse=True)
    assert buf.count(Filters(status="solved")) == 10
    assert buf.count(Filters(status="partly solved")) == 10
    assert buf.count(Filters(status="relabeled only")) == 10
    assert buf.count(Filters(task_id="t1", iteration=1)) == 5
    assert buf.count(Filters(program_contains="x1")) == 11  # x1, x10..x19
    second = buf.page(offset=10, limit=10)
    assert not {r["id"] for r in page} & {r["id"] for r in second}
    with pytest.raises(ValueError, match="unknown status"):
        buf.count(Filters(status="bogus"))
