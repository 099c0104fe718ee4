"""The Traces page through Streamlit's AppTest: the local Phoenix panel (stopped, starting,
running), an existing Phoenix by URL, the command that traces a run, and the run's spans
read back from a stand-in Phoenix (a tiny HTTP server speaking the same REST API)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from streamlit.testing.v1 import AppTest

from codeit_core import phoenix_server
from codeit_core.runs import RunConfig, RunDir
from helpers import ROOT

APP = str(ROOT / "app.py")
RUN = "traced-run"


def fake_spans(run: str) -> list[dict]:
    trace = "ab" * 16
    spans = [{"name": "codeit.meta_iteration", "context": {"trace_id": trace, "span_id": "m1"},
              "span_kind": "CHAIN", "parent_id": None, "status_code": "OK",
              "start_time": "2026-01-01T10:00:00+00:00", "end_time": "2026-01-01T10:00:09+00:00",
              "attributes": {"codeit.iteration": 1, "codeit.cumulative_solved": 2}}]
    for k, step in enumerate(("learn", "sample", "execute", "store", "score")):
        spans.append({"name": f"codeit.{step}", "context": {"trace_id": trace,
                                                            "span_id": f"s{k}"},
                      "span_kind": "CHAIN", "parent_id": "m1", "status_code": "OK",
                      "start_time": f"2026-01-01T10:00:0{k}+00:00",
                      "end_time": f"2026-01-01T10:00:0{k + 1}+00:00",
                      "attributes": {"codeit.iteration": 1, "codeit.phase": step,
                                     **({"codeit.valid": 5} if step == "execute" else {})}})
    return spans


@pytest.fixture
def fake_phoenix():
    """A stand-in Phoenix on loopback: /healthz and GET /v1/projects/{run}/spans."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                body, code = b"OK", 200
            elif path == f"/v1/projects/{RUN}/spans":
                body, code = json.dumps({"data": fake_spans(RUN), "next_cursor": None}
                                        ).encode(), 200
            else:
                body, code = b'{"detail": "not found"}', 404
            self.send_response(code)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def runs(tmp_path, monkeypatch):
    root = tmp_path / "runs"
    monkeypatch.setenv("CODEIT_RUNS_DIR", str(root))
    return root


def make_run(root, name=RUN):
    RunDir(root / name).create(RunConfig(dataset="arc1-train", tasks="3", search_mutants=20))


def traces_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("views/traces.py").run()
    no_failure(at)
    return at


def no_failure(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.code] + \
        [i.value for i in at.info] + [e.value for e in at.error] + \
        [s.value for s in at.success] + [c.value for c in at.caption]
    return "\n".join(parts)


def test_stopped_phoenix_offers_start_and_says_how_to_trace(runs):
    make_run(runs)
    at = traces_page()
    assert at.title[0].value == "Traces"
    assert any(b.label == "Start Phoenix" for b in at.button)
    shown = texts(at)
    assert f"--run-dir {runs}/{RUN} --resume --trace http://127.0.0.1:6006/v1/traces" in shown
    assert "Start the local Phoenix" in shown  # how to see the spans
    assert "codeit.meta_iteration" in shown


def test_no_runs_still_shows_the_command(runs):
    at = traces_page()
    shown = texts(at)
    assert "No runs yet" in shown
    assert "--trace http://127.0.0.1:6006/v1/traces" in shown


def test_existing_phoenix_by_url_shows_the_runs_spans(runs, fake_phoenix):
    make_run(runs)
    make_run(runs, "untraced-run")
    at = traces_page()
    at.text_input(key="traces_url_input").input(fake_phoenix + "/v1/traces").run()
    no_failure(at)
    assert not at.error
    at.selectbox(key="traces_run").select(RUN).run()
    no_failure(at)
    assert f"--trace {fake_phoenix}/v1/traces" in texts(at)
    assert at.metric[0].value == "6" and at.metric[1].value == "1"
    frame = at.dataframe[0].value
    assert list(frame["span"])[0] == "codeit.meta_iteration"  # newest first
    assert set(frame["span"]) == {"codeit.meta_iteration", "codeit.learn", "codeit.sample",
                                  "codeit.execute", "codeit.store", "codeit.score"}
    assert frame.loc[frame["span"] == "codeit.execute", "valid"].iloc[0] == 5
    # another run has no spans yet: say how to get them
    at.selectbox(key="traces_run").select("untraced-run").run()
    no_failure(at)
    assert "No spans of 'untraced-run'" in texts(at)


def test_bad_phoenix_url_is_an_error(runs):
    make_run(runs)
    at = traces_page()
    at.text_input(key="traces_url_input").input("ftp://example").run()
    assert "not an http(s) URL" in at.error[0].value
    at.text_input(key="traces_url_input").input("http://127.0.0.1:9").run()
    no_failure(at)
    assert "no Phoenix answers" in at.error[0].value


def test_start_and_stop_the_local_phoenix(runs, fake_phoenix, monkeypatch):
    make_run(runs)
    handle = phoenix_server.PhoenixHandle(url=fake_phoenix, pid=1, port=1,
                                          working_dir=str(runs / ".phoenix"))
    state = {"now": phoenix_server.PhoenixStatus("stopped")}
    calls = []

    def fake_start(**kw):
        calls.append(("start", kw))
        state["now"] = phoenix_server.PhoenixStatus("running", handle)
        return handle

    def fake_stop(*a, **kw):
        calls.append(("stop", kw))
        state["now"] = phoenix_server.PhoenixStatus("stopped")
        return True

    monkeypatch.setattr(phoenix_server, "start", fake_start)
    monkeypatch.setattr(phoenix_server, "stop", fake_stop)
    monkeypatch.setattr(phoenix_server, "status", lambda *a, **kw: state["now"])
    at = traces_page()
    next(b for b in at.button if b.label == "Start Phoenix").click().run()
    no_failure(at)
    assert calls == [("start", {"wait": False})]  # the page never blocks on start-up
    assert f"Running at {fake_phoenix}" in at.success[0].value
    assert f"--trace {fake_phoenix}/v1/traces" in texts(at)
    assert at.dataframe[0].value.shape[0] == 6
    next(b for b in at.button if b.label == "Stop").click().run()
    no_failure(at)
    assert calls[-1][0] == "stop"
    assert any(b.label == "Start Phoenix" for b in at.button)


def test_a_failed_start_is_shown(runs, monkeypatch):
    def failing_start(**kw):
        raise phoenix_server.PhoenixError("Phoenix exited during start-up; log x.log")

    monkeypatch.setattr(phoenix_server, "start", failing_start)
    at = traces_page()
    next(b for b in at.button if b.label == "Start Phoenix").click().run()
    no_failure(at)
    assert "exited during start-up" in at.error[0].value
