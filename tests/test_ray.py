"""The Ray executor on a real local Ray instance (2 CPUs, no dashboard, loopback only): the
same results, error kinds and search candidates as the local executor, hostile programs
contained, a Ray worker killed mid-chunk, every Ray socket on loopback with token
authentication, and a tiny run from the command line."""

from __future__ import annotations

import ipaddress
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from codeit_core import ray_exec
from codeit_core.execute import Executor, ExecutorError
from codeit_core.search import search
from codeit_core.tasks import load_dataset

ROOT = Path(__file__).resolve().parent.parent

SMALL = ((1, 2, 3), (4, 5, 6))
SQUARE = ((0, 1), (2, 3))
MID = tuple(tuple((r * 7 + c) % 10 for c in range(12)) for r in range(9))
# 2**30 rotations through nested compose: cheap to write, endless to run.
EXPONENTIAL = ("f1 = compose(rotate_cw, rotate_cw)\n"
               + "".join(f"f{k} = compose(f{k - 1}, f{k - 1})\n" for k in range(2, 31))
               + "O = call(f30, I)\n")
PROGRAMS = ["O = rotate_cw(I)", "x1 = upscale(I, 2)\nO = replace_colour(x1, 1, 9)\n",
            "x1 = rotate_cw(I)\nO = nonsense(x1)\n", "x1 = first(I)\nO = rotate_cw(x1)\n",
            "x1 = divide(1, 0)\nO = upscale(I, x1)\n",
            "x1 = upscale(I, 30)\nO = upscale(x1, 30)\n", "O = upscale(I, 20)\n", EXPONENTIAL]


def listening_inet() -> set[tuple[str, int, int]]:
    return {(c.laddr.ip, c.laddr.port, c.pid or 0)
            for c in psutil.net_connections("inet") if c.status == psutil.CONN_LISTEN}


def loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return ip.is_loopback


@pytest.fixture(scope="module")
def cluster():
    before = listening_inet()
    ray = ray_exec.connect("", num_cpus=2)
    yield ray, before
    ray.shutdown()


def test_same_results_and_error_kinds_as_the_local_executor(cluster):
    jobs = [(p, [SMALL, SQUARE, MID]) for p in PROGRAMS]
    with Executor(workers=2, timeout=0.5, cache_size=0) as local:
        expected = local.run_batch(jobs)
    with ray_exec.RayExecutor("", workers=2, timeout=0.5, cache_size=0, chunk_size=3) as ex:
        started = time.monotonic()
        got = ex.run_batch(jobs)
        assert time.monotonic() - started < 60
        assert ex.executions == 3 * len(PROGRAMS)
    assert got == expected
    kinds = {r.error for row in got for r in row}
    # the hostile ones are contained: a timeout and an oversized value are results
    assert {None, "syntax", "type", "runtime", "too_large", "invalid_grid",
            "timeout"} <= kinds


def test_a_ray_worker_killed_mid_chunk_is_retried_one_result_each(cluster):
    # slow chunks (each EXPONENTIAL run takes its whole second), so that one is in flight
    jobs = [(EXPONENTIAL, [SMALL, SQUARE, MID]), ("O = rotate_cw(I)", [SMALL, SQUARE, MID]),
            (EXPONENTIAL + "\n", [SMALL, SQUARE, MID])]
    killed = []

    def kill_one_running_chunk() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not killed:
            for p in psutil.process_iter(["name"]):
                if (p.info["name"] or "").startswith("ray::_run_chunk"):
                    p.kill()
                    killed.append(p.pid)
                    return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_one_running_chunk)
    with ray_exec.RayExecutor("", workers=2, timeout=1.0, cache_size=0, chunk_size=2) as ex:
        killer.start()
        got = ex.run_batch(jobs)
        killer.join()
    assert killed, "no chunk was seen running"
    assert [len(row) for row in got] == [3, 3, 3]
    assert all(r.error == "timeout" for r in got[0] + got[2])
    assert [r.output for r in got[1]] == [tuple(zip(*g[::-1])) for g in (SMALL, SQUARE, MID)]


def test_the_search_on_ray_finds_the_local_candidates(cluster):
    from codeit_core.solutions import load_solutions

    texts = list(load_solutions().values())[:40] + ["this is not a program", EXPONENTIAL]
    tasks = load_dataset("arc1-train")[:5] + load_dataset("arc1-eval")[:3]
    local = search(texts, tasks, n_references=10, workers=2)
    remote = ray_exec.search(texts, tasks, n_references=10, address="")
    assert remote.candidates == local.candidates
    assert remote.solved() == local.solved() and remote.solved()
    for key in ("executions", "ran_program_task_pairs", "candidates", "errors"):
        assert remote.stats[key] == local.stats[key], key


def test_every_ray_socket_is_on_loopback_and_wants_the_token(cluster):
    import grpc

    _, before = cluster
    new = listening_inet() - before
    assert new, "Ray listens on nothing?"
    exposed = [(ip, port) for ip, port, _ in new if not loopback(ip)]
    assert exposed == [], f"listening beyond loopback: {exposed}"
    assert os.environ.get("RAY_AUTH_MODE") == "token"
    # the GCS refuses a caller without the token
    gcs = [port for ip, port, pid in new if pid and psutil.Process(pid).name() == "gcs_server"]
    assert gcs
    channel = grpc.insecure_channel(f"127.0.0.1:{gcs[0]}")
    with pytest.raises(grpc.RpcError) as refused:
        channel.unary_unary("/ray.rpc.NodeInfoGcsService/GetAllNodeInfo")(b"", timeout=10)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    channel.close()


def test_a_chunk_that_keeps_failing_is_said_in_our_words(cluster, monkeypatch):
    ex = ray_exec.RayExecutor("", workers=2, timeout=0.5, cache_size=0, max_retries=0)
    ex._connect()
    ray, _ = cluster
    ex._remote = ray.remote(num_cpus=1, max_retries=0)(_always_fails)
    with pytest.raises(ExecutorError, match="failed on the Ray cluster 1 times"):
        ex.run_batch([("O = rotate_cw(I)", [SMALL])])


def _always_fails(*args):
    raise OSError("this node has no disk left")


def test_without_ray_the_option_says_how_to_install_it(tmp_path, monkeypatch):
    from codeit_core import cli_run
    from codeit_core.execute import executor_for
    from codeit_core.runs import RunConfig

    monkeypatch.setattr(ray_exec, "ray_available", lambda: False)
    monkeypatch.setattr(cli_run, "ray_available", lambda: False)
    with pytest.raises(ExecutorError, match="pip install -r requirements-ray.txt"):
        executor_for(RunConfig(executor="ray"))
    import argparse
    parser = argparse.ArgumentParser()
    cli_run.add_parser(parser.add_subparsers())
    args = parser.parse_args(["run", "--run-dir", str(tmp_path / "r"), "--executor", "ray",
                              "--tasks", "1", "--iterations", "1"])
    assert cli_run.main(args) == 2
    assert not (tmp_path / "r" / "config.json").exists()  # nothing half-made


def _rows(run_dir: Path, sql: str) -> list:
    conn = sqlite3.connect(run_dir / "run.sqlite")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_tiny_run_with_the_ray_executor_matches_the_local_one(tmp_path):
    env = {**os.environ, "CODEIT_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    common = ["--dataset", "arc1-eval", "--tasks", "3", "--iterations", "1",
              "--policy", "mutation", "--seed-mutants", "300", "--search-mutants", "400"]
    dirs = {}
    for executor in ("local", "ray"):
        # a cache of its own each: the Ray run must search, not reuse the local search
        env["CODEIT_CACHE_DIR"] = str(tmp_path / f"cache-{executor}")
        dirs[executor] = tmp_path / executor
        done = subprocess.run([sys.executable, "-m", "codeit_core", "run", "--run-dir",
                               str(dirs[executor]), "--executor", executor, *common],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    for sql in ("SELECT task_id, program, error, demo_outputs FROM samples ORDER BY id",
                "SELECT task_id, program FROM experiences ORDER BY id",
                "SELECT task_id, rank, program FROM search_candidates ORDER BY task_id, rank",
                "SELECT scope, task_id, program FROM candidates ORDER BY scope, task_id, rank"):
        assert _rows(dirs["ray"], sql) == _rows(dirs["local"], sql), sql
    assert _rows(dirs["ray"], "SELECT COUNT(*) FROM samples")[0][0] > 0
