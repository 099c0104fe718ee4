"""Exposure: the app listens on 127.0.0.1 only with the repository's own config (no address
flag), and a run never writes an API key from its environment into its directory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from serving import ROOT, free_port, start_streamlit, stop, wait_healthy
import reliability_stats as stats

AREA = "exposure"
SECRET = "sk-test-SECRET123"


def listeners(port: int) -> list[str]:
    """Local addresses of the LISTEN sockets on `port`, from /proc/net/tcp and tcp6."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            addr_hex, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A = LISTEN
                continue
            raw = bytes.fromhex(addr_hex)
            if len(raw) == 4:
                found.append(socket.inet_ntop(socket.AF_INET, raw[::-1]))
            else:  # four little-endian 32-bit words
                words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
                found.append(socket.inet_ntop(socket.AF_INET6, words))
    return found


def other_addresses() -> list[str]:
    """This host's non-loopback IPv4 addresses (may be none in a sandbox)."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True,
                             timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [a for a in out.split() if "." in a and not a.startswith("127.")]


@pytest.mark.slow
def test_app_listens_on_localhost_only_by_default(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env["CODEIT_RUNS_DIR"] = str(tmp_path / "runs")
    proc = start_streamlit(tmp_path / "server.log", env, ["--server.port", str(port)])
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
        addresses = listeners(port)
        ss = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True,
                            text=True, timeout=10).stdout if os.path.exists(
            "/usr/bin/ss") else ""
        reachable = []
        for addr in other_addresses():
            with socket.socket() as s:
                s.settimeout(1)
                if s.connect_ex((addr, port)) == 0:
                    reachable.append(addr)
    finally:
        stop(proc)
    stats.note(AREA, "listening on", ", ".join(f"{a}:{port}" for a in addresses) or "-")
    stats.add(AREA, "non-loopback addresses probed", len(other_addresses()))
    assert addresses == ["127.0.0.1"], (addresses, ss)
    if ss:  # columns: State Recv-Q Send-Q Local-Address:Port Peer-Address:Port
        assert [line.split()[3] for line in ss.splitlines()] == [f"127.0.0.1:{port}"], ss
    assert not reachable, f"the app answers on {reachable}"


@pytest.mark.slow
def test_run_never_writes_api_keys_from_the_environment(tmp_path):
    run_dir = tmp_path / "secret_run"
    env = {**os.environ, "OPENAI_API_KEY": SECRET, "ANTHROPIC_API_KEY": SECRET + "-anthropic",
           "HF_TOKEN": "hf_" + SECRET}
    run_dir.mkdir()
    with open(run_dir / "run.log", "w") as log:  # where a background run's output goes
        done = subprocess.run(
            [sys.executable, "-m", "codeit_core", "run", "--run-dir", str(run_dir),
             "--dataset", "arc1-train", "--tasks", "3", "--iterations", "2", "--policy",
             "mutation", "--samples-per-task", "4", "--learn-size", "30",
             "--seed-mutants", "10", "--search-mutants", "10", "--workers", "1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=300)
    assert done.returncode == 0, (run_dir / "run.log").read_text()
    files = [p for p in run_dir.rglob("*") if p.is_file()]
    needles = [SECRET.encode(), SECRET.encode("utf-16-le"), b"SECRET123"]
    leaks = [str(p) for p in files for n in needles if n in p.read_bytes()]
    stats.add(AREA, "run files scanned for secrets", len(files))
    stats.add(AREA, "secret leaks", len(leaks))
    assert {"config.json", "run.sqlite", "run.log"} <= {p.name for p in files}
    assert not leaks, leaks


PAGE_PATHS = ["", "tasks", "run", "metrics", "replay-buffer", "playground", "traces"]


def test_no_page_makes_the_browser_leave_loopback(rel_server, new_page):
    """Every request each page makes (documents, scripts, fonts, icons, websockets) goes to
    127.0.0.1 or localhost: nothing a page loads may leave the machine."""
    from urllib.parse import urlparse

    url, _ = rel_server
    seen: list[str] = []
    foreign: list[str] = []
    page = new_page()

    def record(request) -> None:
        seen.append(request.url)
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if host not in ("127.0.0.1", "localhost"):
            foreign.append(request.url)

    page.on("request", record)
    page.on("websocket", lambda ws: record(type("R", (), {"url": ws.url})()))
    for path in PAGE_PATHS:
        page.goto(f"{url}/{path}")
        page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
        page.wait_for_timeout(2500)  # icons, fonts and late scripts
    stats.add(AREA, "page requests recorded", len(seen))
    stats.add(AREA, "foreign requests", len(foreign))
    assert len(seen) > 20
    assert not foreign, foreign
