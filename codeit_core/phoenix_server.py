"""The embedded Phoenix: a local Arize Phoenix server for a run store's traces, on loopback.

    from codeit_core import phoenix_server
    handle = phoenix_server.start()          # or start(port=6006); returns once healthy
    handle.url, handle.otlp_endpoint         # http://127.0.0.1:PORT, .../v1/traces
    phoenix_server.status()                  # stopped / starting / running, with the handle
    phoenix_server.stop()

Phoenix runs as a subprocess, ``python -m codeit_core.phoenix_server serve``, which starts
Phoenix's own server entry point (``phoenix.server.main``). Importing Phoenix takes 8-13 s,
so nothing here imports it except that subprocess; the caller's process only spawns,
polls ``/healthz`` and reads spans over Phoenix's REST API.

Loopback only. ``PHOENIX_HOST=127.0.0.1`` binds the HTTP server (UI, REST, OTLP/HTTP), but
Phoenix 20.x binds its OTLP gRPC receiver to ``[::]:PHOENIX_GRPC_PORT`` unconditionally (no
setting changes the address; only ``--read-only`` disables it, and that also refuses
OTLP/HTTP). So the subprocess, before starting Phoenix, either turns the gRPC receiver off
(the default: spans arrive over OTLP/HTTP) or rewrites its bind address to 127.0.0.1
(``grpc="loopback"``). After start-up every socket the process tree listens on is checked;
anything not on 127.0.0.1/::1 stops the server with an error.

Offline: ``PHOENIX_ALLOW_EXTERNAL_RESOURCES=false`` and ``PHOENIX_TELEMETRY_ENABLED=false``.
State lives in ``<runs_dir>/.phoenix/`` (``PHOENIX_WORKING_DIR``): Phoenix's database,
``server.json`` (the handle, so any process finds a running server) and ``phoenix.log``.
The server does not inherit ``PHOENIX_*`` settings nor credential-like environment variables.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from codeit_core.processes import process_alive
from codeit_core.runs import runs_dir

WORKDIR_NAME = ".phoenix"
HANDLE_FILE = "server.json"
LOG_FILE = "phoenix.log"
MODULE = "codeit_core.phoenix_server"
GRPC_MODES = ("off", "loopback")
LOOPBACK = ("127.0.0.1", "::1")
SLOW_START = 90.0  # seconds after which a start that is not healthy yet is reported
_SECRET_ENV = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)", re.IGNORECASE)

_children: dict[int, subprocess.Popen] = {}  # servers this process started (to reap them)


class PhoenixError(RuntimeError):
    """Phoenix could not be started, reached or stopped; the message says why and where
    the log is."""


@dataclass
class PhoenixHandle:
    """A running (or starting) local Phoenix."""

    url: str
    pid: int
    port: int
    working_dir: str
    grpc: str = "off"
    grpc_port: int | None = None
    started: float = 0.0

    @property
    def otlp_endpoint(self) -> str:
        """Where to send spans (OTLP/HTTP): give it to ``tracing.enable`` or ``--trace``."""
        return self.url + "/v1/traces"

    @property
    def log_path(self) -> Path:
        return Path(self.working_dir) / LOG_FILE


@dataclass
class PhoenixStatus:
    """What `status()` found: state is "stopped", "starting" or "running"."""

    state: str
    handle: PhoenixHandle | None = None
    message: str = ""

    @property
    def running(self) -> bool:
        return self.state == "running"


# ------------------------------------------------------------------ places and probes

def working_dir(runs_root: str | Path | None = None) -> Path:
    """Phoenix's working directory inside the run store: ``<runs_dir>/.phoenix``."""
    return Path(runs_root if runs_root is not None else runs_dir()) / WORKDIR_NAME


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, timeout: float = 1.0) -> bool:
    """Whether a Phoenix at `url` answers ``/healthz`` with 200."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/healthz", timeout=timeout) as r:
            return r.status == 200
    except (OSError, ValueError):
        return False


def _alive(pid: int) -> bool:
    return process_alive(pid, _children)


def _is_ours(pid: int) -> bool:
    """Whether `pid` is a server started by this module (never signal anything else)."""
    try:
        return MODULE in psutil.Process(pid).cmdline()
    except (psutil.Error, OSError):
        return pid in _children


def _process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    try:
        root = psutil.Process(pid)
        return [pid, *(c.pid for c in root.children(recursive=True))]
    except psutil.Error:
        return [pid]


def listening_sockets(pid: int) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket in LISTEN state held by `pid` or a descendant."""
    found = set()
    for p in _process_tree(pid):
        try:
            connections = psutil.Process(p).net_connections(kind="tcp")
        except psutil.Error:
            continue
        found.update((c.laddr.ip, c.laddr.port) for c in connections
                     if c.status == psutil.CONN_LISTEN)
    return sorted(found)


def exposed_sockets(pid: int) -> list[tuple[str, int]]:
    """The listening sockets of `pid`'s tree that are not on loopback."""
    return [(a, p) for a, p in listening_sockets(pid) if not is_loopback(a)]


def is_loopback(address: str) -> bool:
    """127.0.0.0/8, ::1, or an IPv4-mapped 127.x (::ffff:127.0.0.1)."""
    import ipaddress
    ip = ipaddress.ip_address(address.strip("[]"))
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


# ------------------------------------------------------------------ the handle file

def _handle_path(runs_root: str | Path | None) -> Path:
    return working_dir(runs_root) / HANDLE_FILE


def _read_handle(runs_root: str | Path | None) -> PhoenixHandle | None:
    try:
        data = json.loads(_handle_path(runs_root).read_text())
        return PhoenixHandle(**data)
    except (OSError, ValueError, TypeError):
        return None


def _write_handle(handle: PhoenixHandle, runs_root: str | Path | None) -> None:
    path = _handle_path(runs_root)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(handle), indent=2) + "\n")
    os.replace(tmp, path)


def _forget(runs_root: str | Path | None) -> None:
    try:
        _handle_path(runs_root).unlink()
    except FileNotFoundError:
        pass


def _log_tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ------------------------------------------------------------------ start, status, stop

def status(runs_root: str | Path | None = None, timeout: float = 0.5) -> PhoenixStatus:
    """The local Phoenix of this run store: running (healthy), starting, or stopped. Quick:
    one file read and at most one ``/healthz`` request. A stale handle is removed."""
    handle = _read_handle(runs_root)
    if handle is None:
        return PhoenixStatus("stopped")
    if not _alive(handle.pid) or not _is_ours(handle.pid):
        _forget(runs_root)
        tail = _log_tail(handle.log_path, 5)
        return PhoenixStatus("stopped", None, f"the last Phoenix (pid {handle.pid}) is gone"
                             + (f"; its log ends:\n{tail}" if tail else ""))
    if healthy(handle.url, timeout):
        exposed = exposed_sockets(handle.pid)
        if exposed:  # never leave a server reachable from the network
            stop(runs_root)
            return PhoenixStatus("stopped", None, "Phoenix listened beyond loopback on "
                                 f"{', '.join(f'{a}:{p}' for a, p in exposed)}; it was stopped")
        return PhoenixStatus("running", handle)
    age = time.time() - handle.started
    message = f"started {age:.0f} s ago, not healthy yet"
    if age > SLOW_START:
        message += f" — something is wrong; stop it and see {handle.log_path}"
    return PhoenixStatus("starting", handle, message)


def _server_env(work: Path, port: int, grpc_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PHOENIX_") and not _SECRET_ENV.search(k)}
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    env.update({
        "PHOENIX_WORKING_DIR": str(work),
        "PHOENIX_HOST": "127.0.0.1",
        "PHOENIX_PORT": str(port),
        "PHOENIX_GRPC_PORT": str(grpc_port),
        "PHOENIX_ALLOW_EXTERNAL_RESOURCES": "false",
        "PHOENIX_TELEMETRY_ENABLED": "false",
        "PHOENIX_LOG_MIGRATIONS": "false",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def start(port: int | None = None, *, runs_root: str | Path | None = None,
          grpc: str = "off", wait: bool = True, timeout: float = 60.0) -> PhoenixHandle:
    """Start the local Phoenix (or return the one already running for this run store) on
    127.0.0.1:`port` (a free port if None). With `wait`, return once ``/healthz`` answers,
    or raise PhoenixError after `timeout` seconds (the server is then stopped). Without it,
    return at once; `status()` tells when it is up (Phoenix needs ~5-15 s)."""
    if grpc not in GRPC_MODES:
        raise ValueError(f"grpc must be one of {GRPC_MODES}, got {grpc!r}")
    current = status(runs_root)
    if current.handle is not None:
        return wait_until_healthy(current.handle, timeout, runs_root) if wait else \
            current.handle
    work = working_dir(runs_root)
    work.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    if not _port_free(port):
        raise PhoenixError(f"port {port} on 127.0.0.1 is taken; choose another or leave it "
                           f"empty for a free one")
    grpc_port = free_port() if grpc == "loopback" else _unused_port(port)
    log = open(work / LOG_FILE, "ab")
    log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting Phoenix on "
              f"127.0.0.1:{port} (gRPC {grpc})\n".encode())
    log.flush()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", MODULE, "serve", "--grpc", grpc],
            env=_server_env(work, port, grpc_port), cwd=str(work), stdin=subprocess.DEVNULL,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        log.close()
    _children[proc.pid] = proc
    handle = PhoenixHandle(url=f"http://127.0.0.1:{port}", pid=proc.pid, port=port,
                           working_dir=str(work), grpc=grpc,
                           grpc_port=grpc_port if grpc == "loopback" else None,
                           started=time.time())
    _write_handle(handle, runs_root)
    return wait_until_healthy(handle, timeout, runs_root) if wait else handle


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _unused_port(avoid: int) -> int:
    """A port number for the disabled gRPC receiver (never bound; kept off 4317)."""
    p = free_port()
    return p if p != avoid else free_port()


def wait_until_healthy(handle: PhoenixHandle, timeout: float = 60.0,
                       runs_root: str | Path | None = None) -> PhoenixHandle:
    """Block until `handle` answers ``/healthz`` and listens on loopback only; else stop it
    and raise PhoenixError with the end of its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(handle.pid):
            _forget(runs_root)
            raise PhoenixError(f"Phoenix exited during start-up; log {handle.log_path}:\n"
                               f"{_log_tail(handle.log_path)}")
        if healthy(handle.url, 1.0):
            exposed = exposed_sockets(handle.pid)
            if exposed:
                stop(runs_root)
                raise PhoenixError(
                    "Phoenix listened beyond loopback on "
                    f"{', '.join(f'{a}:{p}' for a, p in exposed)}; it was stopped")
            return handle
        time.sleep(0.25)
    stop(runs_root)
    raise PhoenixError(f"Phoenix was not healthy after {timeout:.0f} s and was stopped; "
                       f"log {handle.log_path}:\n{_log_tail(handle.log_path)}")


def stop(runs_root: str | Path | None = None, timeout: float = 10.0) -> bool:
    """Stop the local Phoenix of this run store; True if one was running. Only a process
    started by this module is ever signalled."""
    handle = _read_handle(runs_root)
    if handle is None:
        return False
    pid = handle.pid
    was_running = _alive(pid) and _is_ours(pid)
    if was_running:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 5
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
    child = _children.pop(pid, None)
    if child is not None:
        try:
            child.wait(timeout=1)
        except subprocess.TimeoutExpired:
            pass
    _forget(runs_root)
    return was_running


# ------------------------------------------------------------------ reading spans back

def _get_json(url: str, timeout: float) -> Any:
    request = urllib.request.Request(url, headers={"accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as r:
        return json.loads(r.read().decode())


def projects(url: str, timeout: float = 5.0) -> list[str]:
    """Names of the projects (traced services) a Phoenix at `url` holds."""
    try:
        data = _get_json(url.rstrip("/") + "/v1/projects?limit=100", timeout)
    except (OSError, ValueError) as e:
        raise PhoenixError(f"cannot list projects at {url}: {e}") from None
    return [p["name"] for p in data.get("data", [])]


def recent_spans(url: str, project: str, limit: int = 100,
                 timeout: float = 5.0) -> list[dict[str, Any]]:
    """The newest spans of `project` at a Phoenix `url`, through Phoenix's REST API
    (``GET /v1/projects/{project}/spans``, what ``phoenix.client`` calls, without importing
    Phoenix). [] for a project with no spans yet."""
    base = url.rstrip("/") + f"/v1/projects/{urllib.parse.quote(project, safe='')}/spans"
    out: list[dict[str, Any]] = []
    cursor = None
    while len(out) < limit:
        query = {"limit": min(100, limit - len(out)), **({"cursor": cursor} if cursor else {})}
        try:
            data = _get_json(base + "?" + urllib.parse.urlencode(query), timeout)
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return out
            raise PhoenixError(f"Phoenix at {url} answered {e.code} for the spans of "
                               f"{project!r}") from None
        except (OSError, ValueError) as e:
            raise PhoenixError(f"cannot read spans from {url}: {e}") from None
        out.extend(data.get("data", []))
        cursor = data.get("next_cursor")
        if not cursor or not data.get("data"):
            break
    return out[:limit]


# ------------------------------------------------------------------ the server process

def _to_loopback(address: str) -> str:
    host, _, port = address.rpartition(":")
    if host in ("[::]", "0.0.0.0", "", "[::0]", "::"):
        return f"127.0.0.1:{port}"
    return address


def _serve(grpc_mode: str) -> None:
    """Run Phoenix in this process with its gRPC receiver off or on loopback."""
    import phoenix.server.app as phoenix_app

    if grpc_mode == "off":
        base = phoenix_app.GrpcServer

        class GrpcReceiverOff(base):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                kwargs["disabled"] = True
                super().__init__(*args, **kwargs)

        phoenix_app.GrpcServer = GrpcReceiverOff
    else:
        import grpc.aio

        make_server = grpc.aio.server

        def loopback_server(*args: Any, **kwargs: Any) -> Any:
            server = make_server(*args, **kwargs)
            insecure, secure = server.add_insecure_port, server.add_secure_port
            server.add_insecure_port = lambda address: insecure(_to_loopback(address))
            server.add_secure_port = lambda address, creds: secure(_to_loopback(address),
                                                                   creds)
            return server

        grpc.aio.server = loopback_server

    from phoenix.server.main import main as phoenix_main

    sys.argv = ["phoenix", "serve"]
    phoenix_main()


def _main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}",
                                     description="the embedded Phoenix server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run Phoenix here (use start() to launch it)")
    serve.add_argument("--grpc", choices=GRPC_MODES, default="off")
    args = parser.parse_args(argv)
    if os.environ.get("PHOENIX_HOST") not in LOOPBACK:
        print("refusing to serve: PHOENIX_HOST must be 127.0.0.1 or ::1", file=sys.stderr)
        return 2
    _serve(args.grpc)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
