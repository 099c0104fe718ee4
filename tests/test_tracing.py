"""Tracing: the span tree of one real meta-iteration (in-memory exporter, no server), what
the spans carry, that tracing off costs no imports, and that secrets never get out."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from codeit_core import tracing
from codeit_core.loop import CodeItLoop
from codeit_core.runs import RunConfig, RunDir
from helpers import ROOT

FAKE_KEY = "sk-test-0123456789abcdefFAKEFAKE"
STEPS = ("codeit.learn", "codeit.sample", "codeit.execute", "codeit.store", "codeit.score")
TINY = dict(dataset="arc1-train", tasks="3", policy="mutation", samples_per_task=4,
            learn_size=50, seed_mutants=20, search_mutants=20, workers=2)


@pytest.fixture
def exporter():
    memory = InMemorySpanExporter()
    tracing.enable(exporter=memory, instrument_dspy=False)
    yield memory
    tracing.disable()


@pytest.fixture(scope="module")
def traced_iteration(tmp_path_factory):
    """One real tiny meta-iteration, traced, with a fake API key in the environment (and in
    the run's policy options, as a careless user might put it)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("OPENAI_API_KEY", FAKE_KEY)
    memory = InMemorySpanExporter()
    tracing.enable(exporter=memory, instrument_dspy=False)
    try:
        run = RunDir(tmp_path_factory.mktemp("traced") / "run")
        with CodeItLoop.create(run, RunConfig(**TINY)) as loop:
            metrics = loop.run_iteration()
            with tracing.span("codeit.probe", api_key=FAKE_KEY, model="openai/gpt-4o-mini",
                              note=f"called with key {FAKE_KEY}") as s:
                s.set(options={"api_key": FAKE_KEY, "temperature": 0.9},
                      invocation=json.dumps({"model": "x", "api_key": "short-but-named"}))
                s.event("request", headers=f"Authorization: Bearer {FAKE_KEY}")
    finally:
        tracing.disable()  # flushes; later tests start with tracing off
        mp.undo()
    yield memory.get_finished_spans(), metrics


def by_name(spans, name):
    found = [s for s in spans if s.name == name]
    assert found, f"no {name} span among {[s.name for s in spans]}"
    return found


def test_meta_iteration_is_the_parent_of_the_five_steps(traced_iteration):
    spans, _ = traced_iteration
    (meta,) = by_name(spans, "codeit.meta_iteration")
    assert meta.parent is None
    children = [s for s in spans if s.parent and s.parent.span_id == meta.context.span_id]
    assert [s.name for s in sorted(children, key=lambda s: s.start_time)] == list(STEPS)
    assert all(s.context.trace_id == meta.context.trace_id for s in children)
    (seed,) = by_name(spans, "codeit.seed")  # seeding happens once, before the iteration
    assert seed.parent is None and seed.end_time <= meta.start_time
    assert seed.attributes["codeit.reference_programs"] > 0
    assert seed.attributes["codeit.mutants"] == TINY["seed_mutants"]


def test_spans_carry_the_iteration_counts_and_timings(traced_iteration):
    spans, metrics = traced_iteration
    attrs = {s.name: dict(s.attributes) for s in spans}
    for name in ("codeit.meta_iteration", *STEPS):
        assert attrs[name]["codeit.iteration"] == 1, name
        assert attrs[name]["codeit.seconds"] >= 0, name
        assert attrs[name]["openinference.span.kind"] == "CHAIN"
    for name in STEPS:
        assert attrs[name]["codeit.phase"] == name.split(".")[1]
    learn = attrs["codeit.learn"]
    assert learn["codeit.training_set"] == TINY["learn_size"]
    assert learn["codeit.policy"] == "mutation"
    assert any(k.startswith("codeit.learn.") for k in learn)  # the policy's learn stats
    sample = attrs["codeit.sample"]
    assert sample["codeit.tasks"] == 3 and sample["codeit.samples_per_task"] == 4
    assert sample["codeit.sampled"] == metrics["sampled"]
    assert sample["codeit.unique"] == metrics["unique"] <= sample["codeit.sampled"]
    execute = attrs["codeit.execute"]
    assert execute["codeit.programs"] == metrics["unique"]
    assert execute["codeit.valid"] == metrics["valid"]
    assert execute["codeit.solved_a_demo"] == metrics["solved_a_demo"]
    store = attrs["codeit.store"]
    assert store["codeit.relabeled"] == metrics["relabeled"]
    assert store["codeit.stored"] == metrics["stored"]
    for name in ("codeit.score", "codeit.meta_iteration"):
        for key in ("policy_only_solved", "cumulative_solved", "n_tasks", "buffer_seed",
                    "buffer_policy", "learn_seconds", "execute_seconds"):
            assert attrs[name][f"codeit.{key}"] == metrics[key], (name, key)
    assert attrs["codeit.meta_iteration"]["codeit.resumed_at"] == "learn"


def test_no_secret_leaves_the_process(traced_iteration):
    spans, _ = traced_iteration
    dumped = json.dumps([{"name": s.name, "attributes": dict(s.attributes),
                          "events": [(e.name, dict(e.attributes)) for e in s.events],
                          "resource": dict(s.resource.attributes)} for s in spans])
    assert FAKE_KEY not in dumped
    assert "short-but-named" not in dumped
    (probe,) = by_name(spans, "codeit.probe")
    assert "codeit.api_key" not in probe.attributes
    assert "codeit.options.api_key" not in probe.attributes
    assert probe.attributes["codeit.options.temperature"] == 0.9
    assert probe.attributes["codeit.model"] == "openai/gpt-4o-mini"
    assert probe.attributes["codeit.note"] == "called with key [REDACTED]"
    assert "[REDACTED]" in probe.events[0].attributes["codeit.headers"]


def test_a_failing_step_is_recorded_as_an_error(exporter):
    with pytest.raises(ValueError):
        with tracing.span("codeit.learn", iteration=2):
            raise ValueError(f"policy broke with {FAKE_KEY}")
    (span,) = exporter.get_finished_spans()
    assert span.status.status_code.name == "ERROR"
    assert span.attributes["codeit.outcome"] == "ValueError"
    assert FAKE_KEY not in json.dumps([dict(e.attributes) for e in span.events])


def test_attribute_values_are_coerced_and_flattened(exporter):
    import numpy as np
    with tracing.span("x", count=np.int64(3), ratio=np.float32(0.5), none=None,
                      ids=("a", "b"), mixed=[1, "a"], nested={"a": {"b": 1}},
                      **{"llm.token_count.prompt": 7}) as s:
        s.set(later=True)
    attrs = dict(exporter.get_finished_spans()[0].attributes)
    assert attrs["codeit.count"] == 3 and attrs["codeit.ratio"] == 0.5
    assert "codeit.none" not in attrs
    assert list(attrs["codeit.ids"]) == ["a", "b"]
    assert attrs["codeit.mixed"] == "[1, 'a']"
    assert attrs["codeit.nested.a.b"] == 1
    assert attrs["llm.token_count.prompt"] == 7  # a token count is not a token
    assert attrs["codeit.later"] is True


def test_enable_disable_and_the_noop():
    assert not tracing.enabled()
    with tracing.span("codeit.learn", iteration=1) as s:
        s.set(loss=1.0)
        assert not s.recording
    memory = InMemorySpanExporter()
    tracing.enable(exporter=memory, service_name="codeit-test", project="demo-run",
                   instrument_dspy=False)
    assert tracing.enabled() and tracing.project() == "demo-run"
    with tracing.span("codeit.learn") as s:
        assert s.recording
    tracing.disable()
    assert not tracing.enabled()
    with tracing.span("codeit.learn"):
        pass
    (span,) = memory.get_finished_spans()
    assert span.resource.attributes["service.name"] == "codeit-test"
    assert span.resource.attributes["openinference.project.name"] == "demo-run"
    with pytest.raises(ValueError, match="endpoint"):
        tracing.enable()
    with pytest.raises(ValueError, match="not an OTLP/HTTP endpoint"):
        tracing.enable("127.0.0.1:6006")
    assert not tracing.enabled()


def _fresh_python(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_tracing_off_imports_neither_the_sdk_nor_phoenix(tmp_path):
    code = f"""
import json, sys
from codeit_core import tracing
from codeit_core.loop import CodeItLoop
from codeit_core.runs import RunConfig, RunDir
with CodeItLoop.create(RunDir({str(tmp_path / 'run')!r}), RunConfig(**{TINY!r})) as loop:
    loop.run_iteration()
import codeit_core.phoenix_server  # the server helper must not import Phoenix either
print(json.dumps(sorted(m for m in sys.modules if m.startswith(
    ("opentelemetry.sdk", "opentelemetry.exporter", "phoenix", "openinference", "dspy")))))
"""
    assert _fresh_python(code) == []


def test_enable_imports_the_sdk_but_not_phoenix():
    code = """
import json, sys
from codeit_core import tracing
tracing.enable("http://127.0.0.1:9/v1/traces")
with tracing.span("codeit.probe"):
    pass
mods = sorted(m for m in sys.modules if m.startswith(("phoenix", "dspy")))
tracing.disable()
print(json.dumps({"sdk": "opentelemetry.sdk.trace" in sys.modules, "phoenix": mods}))
"""
    assert _fresh_python(code) == {"sdk": True, "phoenix": []}


def test_dspy_is_instrumented_once_imported():
    code = """
import json, sys
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from codeit_core import tracing
memory = InMemorySpanExporter()
tracing.enable(exporter=memory)
before = "dspy" in sys.modules
import dspy  # the post-import hook instruments it now
from dspy.utils.dummies import DummyLM
lm = DummyLM([{"answer": "4"}])
dspy.configure(lm=lm)
with tracing.span("codeit.sample"):
    dspy.Predict("question -> answer")(question="2+2?")
tracing.disable()
spans = memory.get_finished_spans()
outer = next(s for s in spans if s.name == "codeit.sample")
inner = [s.name for s in spans if s.context.trace_id == outer.context.trace_id and s is not outer]
print(json.dumps({"before": before, "inner": inner}))
"""
    result = _fresh_python(code)
    assert result["before"] is False
    assert result["inner"], "no DSPy span under codeit.sample"


def test_cli_trace_flag_sends_spans_over_otlp_http(tmp_path):
    """`run --trace URL` exports the run's spans to URL (a stand-in OTLP/HTTP receiver),
    in the project named after the run directory, with no API key in them."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest)

    bodies: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            bodies.append(self.rfile.read(int(self.headers["content-length"])))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
    try:
        args = [sys.executable, "-m", "codeit_core", "run", "--run-dir",
                str(tmp_path / "cli-run"), "--dataset", "arc1-train", "--tasks", "3",
                "--iterations", "1", "--samples-per-task", "4", "--learn-size", "50",
                "--seed-mutants", "20", "--search-mutants", "20", "--workers", "2",
                "--trace", url]
        env = {**__import__("os").environ, "OPENAI_API_KEY": FAKE_KEY}
        done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        bad = subprocess.run(args[:-1] + ["127.0.0.1:6006"], capture_output=True, text=True,
                             cwd=ROOT, timeout=120)
        assert bad.returncode == 2 and "--trace" in bad.stderr
    finally:
        server.shutdown()
        server.server_close()
    assert bodies and not any(FAKE_KEY.encode() in b for b in bodies)
    names, projects = set(), set()
    for body in bodies:
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            projects |= {a.value.string_value for a in resource_spans.resource.attributes
                         if a.key == "openinference.project.name"}
            names |= {s.name for scope in resource_spans.scope_spans for s in scope.spans}
    assert {"codeit.seed", "codeit.meta_iteration", *STEPS} <= names
    assert projects == {"cli-run"}
