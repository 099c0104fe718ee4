"""OpenTelemetry spans for CodeIt, off by default and free when off.

    from codeit_core import tracing
    with tracing.span("codeit.learn", iteration=3) as s:
        ...
        s.set(loss=0.41, training_set=2000)

    tracing.enable("http://127.0.0.1:6006/v1/traces")   # OTLP/HTTP (e.g. a local Phoenix)
    tracing.enable(exporter=InMemorySpanExporter())      # tests
    tracing.disable()                                    # flush and switch off

While tracing is off, `span()` returns one shared do-nothing object: no OpenTelemetry SDK is
imported (that happens in `enable()`), and Phoenix is never imported by this module at all.

Attributes get a ``codeit.`` prefix unless their name already holds a dot; dicts are
flattened (``learn={"loss": 1}`` → ``codeit.learn.loss``), None is dropped, other values
that OpenTelemetry cannot carry become strings. Every span also records ``codeit.seconds``.

Secrets never leave the process: every exported span (ours and the DSPy spans of the
OpenInference instrumentor alike) passes a redacting exporter that drops attributes whose
name looks like a credential (key, token, secret, password, authorization, ...) and replaces,
in every string value and event, the value of any environment variable named like one
(``*KEY*``, ``*TOKEN*``, ``*SECRET*``, ...) and anything shaped like an API key.

DSPy calls are instrumented with the OpenInference DSPy instrumentor while tracing is on,
lazily: when `dspy` is imported (or at `enable()` if it already is), so a run that never
uses DSPy never pays for importing it.
"""

from __future__ import annotations

import atexit
import os
import re
import threading
import time
from typing import Any, Mapping

# The spans the loop records: one parent per meta-iteration, its steps as children.
SPAN_NAMES = ("codeit.seed", "codeit.meta_iteration", "codeit.learn", "codeit.sample",
              "codeit.execute", "codeit.store", "codeit.score")

__all__ = ["span", "enable", "disable", "enabled", "flush", "endpoint", "project",
           "redact_text", "is_secret_name", "SPAN_NAMES"]

PREFIX = "codeit."
MAX_STRING = 4096
REDACTED = "[REDACTED]"

_SECRET_LAST_WORDS = {"key", "apikey", "token", "secret", "password", "passwd", "pwd",
                      "credential", "credentials", "authorization", "auth", "cookie"}
_SECRET_ANY_WORDS = {"apikey", "secret", "password", "passwd", "credential", "credentials",
                     "authorization"}
_SECRET_ENV = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)", re.IGNORECASE)
_SECRET_SHAPES = re.compile(
    r"(\bsk-[A-Za-z0-9_\-]{12,}"                  # OpenAI / Anthropic style keys
    r"|\b(ghp|gho|ghu|ghs|github_pat)_[A-Za-z0-9_]{16,}"   # GitHub tokens
    r"|\bhf_[A-Za-z0-9]{16,}"                     # Hugging Face tokens
    r"|\bAIza[0-9A-Za-z_\-]{20,}"                 # Google API keys
    r"|\bxox[abprs]-[A-Za-z0-9\-]{10,}"           # Slack tokens
    r"|\bBearer\s+[A-Za-z0-9._\-~+/=]{12,})")
# "api_key": "...", token='...', password=... inside JSON, reprs and command lines
_SECRET_ASSIGN = re.compile(
    r"""(?i)(["']?\b[\w-]*(?:api[_-]?key|token|secret|password|passwd|authorization)["']?"""
    r"""\s*[:=]\s*)(?:(["'])[^"']*\2|[^\s,;&}"']+)""")


class _NoSpan:
    """The span while tracing is off: accepts everything, does nothing."""

    __slots__ = ()

    def __enter__(self) -> "_NoSpan":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def set(self, **attributes: Any) -> None:
        return None

    def event(self, name: str, **attributes: Any) -> None:
        return None

    @property
    def recording(self) -> bool:
        return False


_NOOP = _NoSpan()


class _Tracing:
    """What `enable()` set up: the provider, our tracer, the DSPy instrumentor if applied."""

    def __init__(self, provider: Any, tracer: Any, endpoint: str | None) -> None:
        self.provider = provider
        self.tracer = tracer
        self.endpoint = endpoint
        self.dspy_instrumentor: Any = None
        self.project: str | None = None


_state: _Tracing | None = None
_lock = threading.Lock()
_hooks_registered = False
_atexit_registered = False


# ------------------------------------------------------------------ attributes and secrets

def is_secret_name(name: str) -> bool:
    """Whether an attribute or setting called `name` would hold a credential: judged on its
    last dotted part, so ``llm.token_count.prompt`` passes and ``llm.api_key`` does not."""
    last = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.rsplit(".", 1)[-1]).lower()
    words = [w for w in re.split(r"[^a-z0-9]+", last) if w]
    return bool(words) and (words[-1] in _SECRET_LAST_WORDS
                            or any(w in _SECRET_ANY_WORDS for w in words))


def _env_secrets() -> list[str]:
    """Values of environment variables named like credentials (long enough to be one)."""
    return sorted({v for k, v in os.environ.items()
                   if _SECRET_ENV.search(k) and len(v.strip()) >= 8}, key=len, reverse=True)


def redact_text(text: str, secrets: list[str] | None = None) -> str:
    """`text` with every known secret value and every key-shaped string replaced."""
    for value in _env_secrets() if secrets is None else secrets:
        if value in text:
            text = text.replace(value, REDACTED)
    text = _SECRET_ASSIGN.sub(lambda m: m.group(1) + (m.group(2) or "") + REDACTED
                              + (m.group(2) or ""), text)
    return _SECRET_SHAPES.sub(REDACTED, text)


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}", v, out)
        return
    if isinstance(value, (bool, int, float, str)):
        out[prefix] = value
    elif isinstance(value, (list, tuple)) and value and all(
            isinstance(v, (bool, int, float, str)) for v in value) and \
            len({type(v) for v in value}) == 1:
        out[prefix] = list(value)
    elif hasattr(value, "item") and callable(value.item):  # numpy / torch scalars
        try:
            _flatten(prefix, value.item(), out)
        except (TypeError, ValueError):
            out[prefix] = str(value)
    else:
        out[prefix] = str(value)


def attributes(**attrs: Any) -> dict[str, Any]:
    """Span attributes from keyword arguments: prefixed, flattened, secret names dropped."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        _flatten(key if "." in key else PREFIX + key, value, out)
    return {k: (v[:MAX_STRING] if isinstance(v, str) else v) for k, v in out.items()
            if not is_secret_name(k)}


# ------------------------------------------------------------------ the live span

class _LiveSpan:
    """A span while tracing is on (one per `span()` call)."""

    __slots__ = ("_name", "_attrs", "_cm", "_span", "_t0")

    def __init__(self, name: str, attrs: dict[str, Any]) -> None:
        self._name = name
        self._attrs = attrs
        self._cm: Any = None
        self._span: Any = None

    def __enter__(self) -> "_LiveSpan":
        state = _state
        if state is None:  # switched off in between: behave like the no-op
            return self
        self._cm = state.tracer.start_as_current_span(
            self._name, attributes={"openinference.span.kind": "CHAIN", **self._attrs},
            record_exception=True, set_status_on_exception=True)
        self._span = self._cm.__enter__()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        if self._cm is None:
            return None
        self._span.set_attribute(PREFIX + "seconds", round(time.perf_counter() - self._t0, 4))
        if exc_type is not None:
            self._span.set_attribute(PREFIX + "outcome", exc_type.__name__)
        return self._cm.__exit__(exc_type, exc, tb)

    def set(self, **attrs: Any) -> None:
        if self._span is not None:
            self._span.set_attributes(attributes(**attrs))

    def event(self, name: str, **attrs: Any) -> None:
        if self._span is not None:
            self._span.add_event(name, attributes(**attrs))

    @property
    def recording(self) -> bool:
        return self._span is not None and self._span.is_recording()


def span(name: str, **attrs: Any) -> Any:
    """A context manager for one span named `name`, yielding an object with
    ``.set(**attributes)`` and ``.event(name, **attributes)``. Free while tracing is off."""
    if _state is None:
        return _NOOP
    return _LiveSpan(name, attributes(**attrs))


# ------------------------------------------------------------------ export

def _redacting_exporter(inner: Any) -> Any:
    """An exporter that hands `inner` copies of the spans with secrets removed."""
    from opentelemetry.sdk.trace import Event, ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter

    def clean_attrs(attrs: Mapping[str, Any] | None, secrets: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in (attrs or {}).items():
            if is_secret_name(k):
                continue
            if isinstance(v, str):
                v = redact_text(v, secrets)
            elif isinstance(v, (list, tuple)):
                v = [redact_text(x, secrets) if isinstance(x, str) else x for x in v]
            out[k] = v
        return out

    class RedactingExporter(SpanExporter):
        def __init__(self) -> None:
            self.inner = inner

        def export(self, spans: Any) -> Any:
            secrets = _env_secrets()
            cleaned = []
            for s in spans:
                events = [Event(redact_text(e.name, secrets), clean_attrs(e.attributes, secrets),
                                e.timestamp) for e in s.events]
                status = s.status
                if status is not None and status.description:
                    from opentelemetry.trace import Status
                    status = Status(status.status_code,
                                    redact_text(status.description, secrets))
                cleaned.append(ReadableSpan(
                    name=s.name, context=s.context, parent=s.parent, resource=s.resource,
                    attributes=clean_attrs(s.attributes, secrets), events=events,
                    links=s.links, kind=s.kind, status=status, start_time=s.start_time,
                    end_time=s.end_time, instrumentation_scope=s.instrumentation_scope))
            return self.inner.export(cleaned)

        def shutdown(self) -> None:
            self.inner.shutdown()

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            flush = getattr(self.inner, "force_flush", None)
            return flush(timeout_millis) if flush else True

    return RedactingExporter()


def enable(endpoint: str | None = None, service_name: str = "codeit", exporter: Any = None,
           *, project: str | None = None, instrument_dspy: bool = True,
           batch: bool | None = None,
           resource_attributes: Mapping[str, Any] | None = None) -> None:
    """Switch tracing on, exporting via OTLP/HTTP to `endpoint` (e.g.
    ``http://127.0.0.1:6006/v1/traces``) or to `exporter`. Replaces any earlier setup.
    `batch` (default: only for an endpoint) exports in the background; spans are flushed at
    `disable()`, `flush()` and interpreter exit. `project` names the Phoenix project the spans
    land in (default: `service_name`; the CLI uses the run directory's name)."""
    global _state, _atexit_registered
    if endpoint is None and exporter is None:
        raise ValueError("tracing.enable needs an OTLP/HTTP endpoint URL or an exporter")
    if endpoint is not None and not re.match(r"^https?://[^\s/]+", endpoint):
        raise ValueError(f"not an OTLP/HTTP endpoint URL: {endpoint!r} (expected e.g. "
                         f"http://127.0.0.1:6006/v1/traces)")
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        exporter = OTLPSpanExporter(endpoint=endpoint, timeout=10)
    resource = Resource.create({"service.name": service_name,
                                "openinference.project.name": project or service_name,
                                **attributes(**(resource_attributes or {}))})
    provider = TracerProvider(resource=resource)
    wrapped = _redacting_exporter(exporter)
    use_batch = endpoint is not None if batch is None else batch
    provider.add_span_processor(BatchSpanProcessor(wrapped, schedule_delay_millis=1000)
                                if use_batch else SimpleSpanProcessor(wrapped))
    with _lock:
        old = _state
        _state = _Tracing(provider, provider.get_tracer("codeit_core"), endpoint)
        _state.project = project or service_name
    if old is not None:
        _shutdown(old)
    if not _atexit_registered:
        atexit.register(disable)
        _atexit_registered = True
    if instrument_dspy:
        _hook_dspy()


def project() -> str | None:
    """The Phoenix project spans go to (None when off)."""
    state = _state
    return state.project if state else None


def _hook_dspy() -> None:
    """Instrument DSPy now if it is imported, else as soon as it is."""
    global _hooks_registered
    import sys
    if "dspy" in sys.modules:
        _instrument_dspy()
        return
    if _hooks_registered:
        return
    try:
        import wrapt
    except ImportError:  # no post-import hooks: instrument when tracing is next enabled
        return
    wrapt.register_post_import_hook(lambda module: _instrument_dspy(), "dspy")
    _hooks_registered = True


def _instrument_dspy() -> None:
    state = _state
    if state is None or state.dspy_instrumentor is not None:
        return
    try:
        from openinference.instrumentation.dspy import DSPyInstrumentor
        instrumentor = DSPyInstrumentor()
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
        instrumentor.instrument(tracer_provider=state.provider, skip_dep_check=True)
    except Exception as e:  # tracing must never break a run
        import warnings
        warnings.warn(f"DSPy calls are not traced: {e}", RuntimeWarning, stacklevel=2)
        return
    state.dspy_instrumentor = instrumentor


def _shutdown(state: _Tracing) -> None:
    if state.dspy_instrumentor is not None:
        try:
            state.dspy_instrumentor.uninstrument()
        except Exception:
            pass
    try:
        state.provider.shutdown()  # flushes pending spans
    except Exception:
        pass


def disable() -> None:
    """Flush pending spans and switch tracing off (span() is a no-op again)."""
    global _state
    with _lock:
        old, _state = _state, None
    if old is not None:
        _shutdown(old)


def flush(timeout_seconds: float = 10.0) -> bool:
    """Export every finished span now; False if that did not finish in time."""
    state = _state
    return True if state is None else state.provider.force_flush(int(timeout_seconds * 1000))


def enabled() -> bool:
    """Whether spans are being recorded."""
    return _state is not None


def endpoint() -> str | None:
    """The OTLP/HTTP endpoint spans go to (None when off or exporting elsewhere)."""
    state = _state
    return state.endpoint if state else None
