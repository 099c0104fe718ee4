"""The embedded Phoenix end to end: start it on a free loopback port, check that every socket
its process listens on is on loopback, send one traced meta-iteration over OTLP/HTTP, read
the spans back with Phoenix's own client (and our REST reader), stop it."""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
import time

import pytest

from codeit_core import phoenix_server, tracing
from codeit_core.loop import CodeItLoop
from codeit_core.runs import RunConfig, RunDir

pytestmark = pytest.mark.slow

PROJECT = "it-run"
STEPS = {"codeit.learn", "codeit.sample", "codeit.execute", "codeit.store", "codeit.score"}


def loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address.strip("[]").split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def listening(pids: set[int]) -> list[tuple[str, int]]:
    """(address, port) of the LISTEN sockets of `pids`, from `ss -ltnp` (or /proc)."""
    if shutil.which("ss") is None:
        return [s for pid in pids for s in phoenix_server.listening_sockets(pid)]
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
    print("ss -ltnp (Phoenix):")
    found = []
    for line in out.splitlines():
        owners = {int(p) for p in re.findall(r"pid=(\d+)", line)}
        if owners & pids:
            print("  " + line)
            local = line.split()[3]
            address, port = local.rsplit(":", 1)
            found.append((address, int(port)))
    return found


def test_phoenix_on_loopback_receives_and_returns_a_traced_iteration(tmp_path, monkeypatch):
    for name, value in {"PHOENIX_WORKING_DIR": str(tmp_path / "client-home"),
                        "PHOENIX_ALLOW_EXTERNAL_RESOURCES": "false",
                        "PHOENIX_TELEMETRY_ENABLED": "false"}.items():
        monkeypatch.setenv(name, value)
    runs = tmp_path / "runs"
    t0 = time.monotonic()
    handle = phoenix_server.start(runs_root=runs, timeout=75)
    try:
        print(f"Phoenix healthy after {time.monotonic() - t0:.1f} s at {handle.url}")
        assert handle.url == f"http://127.0.0.1:{handle.port}"
        assert (runs / ".phoenix" / "server.json").is_file()
        assert (runs / ".phoenix" / "phoenix.db").is_file()  # its data is in the run store
        now = phoenix_server.status(runs)
        assert now.running and now.handle.pid == handle.pid
        assert phoenix_server.start(runs_root=runs).pid == handle.pid  # found, not restarted

        pids = set(phoenix_server._process_tree(handle.pid))
        sockets = listening(pids)
        assert (("127.0.0.1", handle.port) in sockets
                or any(p == handle.port for _, p in sockets)), sockets
        assert all(loopback(a) for a, _ in sockets), f"exposed: {sockets}"
        assert not any(p == 4317 for _, p in sockets)  # the gRPC receiver is off
        assert phoenix_server.exposed_sockets(handle.pid) == []

        tracing.enable(handle.otlp_endpoint, project=PROJECT, instrument_dspy=False)
        try:
            with CodeItLoop.create(RunDir(runs / PROJECT), RunConfig(
                    dataset="arc1-train", tasks="3", policy="mutation", samples_per_task=4,
                    learn_size=50,
                    seed_mutants=20, search_mutants=20, workers=2)) as loop:
                metrics = loop.run_iteration()
        finally:
            tracing.disable()  # flushes the batch

        spans: list = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            spans = phoenix_server.recent_spans(handle.url, PROJECT)
            if len(spans) >= 7:
                break
            time.sleep(0.5)
        names = {s["name"] for s in spans}
        assert {"codeit.seed", "codeit.meta_iteration", *STEPS} <= names, names
        meta = next(s for s in spans if s["name"] == "codeit.meta_iteration")
        assert meta["attributes"]["codeit.cumulative_solved"] == metrics["cumulative_solved"]

        from phoenix.client import Client  # slow import (~10 s): only here

        frame = Client(base_url=handle.url).spans.get_spans_dataframe(
            project_identifier=PROJECT, timeout=30)
        assert STEPS | {"codeit.meta_iteration"} <= set(frame["name"])
        meta_row = frame[frame["name"] == "codeit.meta_iteration"].iloc[0]
        children = frame[frame["parent_id"] == meta_row["context.span_id"]]
        assert set(children["name"]) == STEPS
        # dotted attributes come back nested: attributes.codeit is a dict
        execute = frame[frame["name"] == "codeit.execute"].iloc[0]
        assert execute["attributes.codeit"]["valid"] == metrics["valid"]
        assert execute["attributes.codeit"]["iteration"] == 1
    finally:
        stopped = phoenix_server.stop(runs)
    assert stopped
    assert phoenix_server.status(runs).state == "stopped"
    assert not phoenix_server._alive(handle.pid)
    assert time.monotonic() - t0 < 120
