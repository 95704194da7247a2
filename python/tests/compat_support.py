"""Support for the test_compat_* tests: a recording stand-in for the native instrument suite, the
predecessor's reference collector, a BaseWorkflow of the predecessor's shape (section 1.3), and
the OTLP test receiver (test/peers/otlp_receiver.mjs) for scenarios run in a subprocess.
"""

import abc
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime

import pytest

from crypto_lakehouse.core.metrics import MetricsCollector, WorkflowMetrics

SOURCE_DIR = os.environ.get("CRYPTOLAKE_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)
TESTS_DIR = os.path.dirname(os.path.abspath(__file__))


def native_available():
    try:
        from cryptolake import _native  # noqa: F401

        return True
    except Exception:
        return False


requires_native = pytest.mark.skipif(
    not native_available(), reason="cryptolake._native is not importable (extension not built)"
)


# --- a recording stand-in for _native.suite() ---------------------------------------------------


class _Recorder:
    def __init__(self, log, name, fail):
        self._log, self._name, self._fail = log, name, fail

    def _do(self, value, attributes=None):
        if self._fail:
            raise RuntimeError("instrument failure injected by the test")
        self._log.append((self._name, value, dict(attributes or {})))

    add = _do
    record = _do

    def bind(self, attributes):
        recorder, attrs = self, dict(attributes)

        class Bound:
            def add(self, value):
                recorder._do(value, attrs)

            record = add

        return Bound()


class FakeSuite:
    """Any attribute is an instrument whose add/record append (name, value, attrs) to .log."""

    def __init__(self, fail=False):
        self.log = []
        self._fail = fail

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return _Recorder(self.log, name, self._fail)

    def of(self, name):
        return [(v, a) for n, v, a in self.log if n == name]


@pytest.fixture
def fake_suite(monkeypatch):
    """Routes every recording of crypto_lakehouse into a FakeSuite (no native module needed)."""
    from crypto_lakehouse import _telemetry

    suite = FakeSuite()
    monkeypatch.setattr(_telemetry, "instruments", lambda: suite)
    return suite


@pytest.fixture
def failing_suite(monkeypatch):
    """Every instrument call raises: recording must never reach the caller."""
    from crypto_lakehouse import _telemetry

    suite = FakeSuite(fail=True)
    monkeypatch.setattr(_telemetry, "instruments", lambda: suite)
    return suite


@pytest.fixture(autouse=True, scope="module")
def native_sdk_per_module():
    """Shuts down an SDK a module's in-process tests started, so the next module (and the native
    tests, which expect the no-op provider) start from a process without one."""
    yield
    from crypto_lakehouse import _telemetry

    if _telemetry._native is not None and _telemetry._started:
        _telemetry._native.shutdown(5000)
    _telemetry._started = False
    _telemetry._sdk_running = False


# --- the predecessor's collector as section 1.2 describes it (the reference) --------------------


class ReferenceCollector:
    """Section 1.2 written out literally, to compare our collector's output against."""

    def __init__(self):
        self.metrics = {}
        self.events = []
        self.errors = []

    def start_workflow(self, workflow_name):
        self.metrics["workflow_name"] = workflow_name
        self.metrics["start_time"] = time.time()

    def end_workflow(self):
        self.metrics["end_time"] = time.time()

    def record_event(self, event):
        self.events.append({"event": event, "timestamp": time.time()})

    def record_error(self, error):
        self.errors.append({"error": error, "timestamp": time.time()})

    def get_metrics(self):
        return {"metrics": self.metrics, "events": self.events, "errors": self.errors}


# --- a BaseWorkflow of the predecessor's shape (section 1.3) -------------------------------------


class LakehouseException(Exception):
    pass


class WorkflowError(LakehouseException):
    pass


class Config:
    def __init__(self, **values):
        self._values = dict(values)

    def get(self, key, default=None):
        return self._values.get(key, default)

    def to_dict(self):
        return dict(self._values)


class BaseWorkflow(abc.ABC):
    def __init__(self, config, metrics_collector=None):
        self.config = config
        self.metrics = metrics_collector or MetricsCollector()
        self._execution_state = "initialized"
        self._start_time = None
        self._end_time = None
        self._validate_configuration()
        self.metrics.start_workflow(self.__class__.__name__)

    @abc.abstractmethod
    def _validate_configuration(self):
        ...

    @abc.abstractmethod
    def _execute_workflow(self):
        ...

    def _setup_workflow(self):
        pass

    def _cleanup_workflow(self):
        pass

    def execute(self):
        try:
            self._execution_state = "running"
            self._start_time = datetime.now()
            self._setup_workflow()
            self.metrics.record_event("workflow_setup_completed")
            results = self._execute_workflow()
            self.metrics.record_event("workflow_execution_completed")
            self._cleanup_workflow()
            self.metrics.record_event("workflow_cleanup_completed")
            self._execution_state = "completed"
        except Exception as e:
            self._execution_state = "failed"
            self.metrics.record_error(str(e))
            raise WorkflowError(f"Workflow execution failed: {e}") from e
        finally:
            self._end_time = datetime.now()
            self.metrics.end_workflow()
        return self._generate_metrics(results)

    def _generate_metrics(self, results):
        duration = None
        if self._start_time and self._end_time:
            duration = (self._end_time - self._start_time).total_seconds()
        return WorkflowMetrics(
            workflow_name=self.__class__.__name__,
            execution_state=self._execution_state,
            start_time=self._start_time,
            end_time=self._end_time,
            duration=duration,
            results=results,
            metrics_data=self.metrics.get_metrics(),
            config_snapshot=self.config.to_dict(),
        )

    @property
    def execution_state(self):
        return self._execution_state


class WorkflowExecutor:
    def __init__(self, max_workers=4):
        self.executor = ThreadPoolExecutor(max_workers=max_workers)

    def execute_workflows_parallel(self, workflows):
        futures = {self.executor.submit(w.execute): w for w in workflows}
        results = []
        for future in as_completed(futures):
            workflow = futures[future]
            try:
                results.append(future.result())
            except Exception as e:
                results.append(
                    WorkflowMetrics(
                        workflow_name=workflow.__class__.__name__,
                        execution_state="failed",
                        start_time=datetime.now(),
                        end_time=datetime.now(),
                        duration=0,
                        results={},
                        metrics_data={"error": str(e)},
                        config_snapshot=workflow.config.to_dict(),
                    )
                )
        return results

    def shutdown(self):
        self.executor.shutdown(wait=True)


class ArchiveCollection(BaseWorkflow):
    def _validate_configuration(self):
        if not self.config.get("symbol"):
            raise ValueError("symbol required")

    def _execute_workflow(self):
        time.sleep(0.02)
        return {"symbol": self.config.get("symbol"), "files": 3}


class FailingCollection(BaseWorkflow):
    def _validate_configuration(self):
        pass

    def _execute_workflow(self):
        raise ConnectionError("archive unreachable")


def run_workflow_pool(collector_factory):
    """Runs 3 ArchiveCollection and 1 FailingCollection on a WorkflowExecutor(max_workers=4)."""
    workflows = [
        ArchiveCollection(Config(id=f"c{i}", symbol=s), collector_factory())
        for i, s in enumerate(["BTCUSDT", "ETHUSDT", "BNBUSDT"])
    ]
    workflows.append(FailingCollection(Config(id="f"), collector_factory()))
    executor = WorkflowExecutor(max_workers=4)
    try:
        return workflows, executor.execute_workflows_parallel(workflows)
    finally:
        executor.shutdown()


# --- the OTLP test receiver ----------------------------------------------------------------------


def _package_roots():
    """The sys.path entries that hold crypto_lakehouse and cryptolake in this process."""
    import crypto_lakehouse

    roots = [os.path.dirname(os.path.dirname(os.path.abspath(crypto_lakehouse.__file__)))]
    try:
        import cryptolake

        roots.append(os.path.dirname(os.path.dirname(os.path.abspath(cryptolake.__file__))))
    except Exception:
        pass
    return list(dict.fromkeys(roots))


class Receiver:
    def __init__(self, process, ports):
        self.process = process
        self.http_port = ports["http_port"]
        self.grpc_port = ports["grpc_port"]
        self.admin_port = ports["admin_port"]

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.admin_port}{path}", data=data, method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    def get(self, path):
        return self._call("GET", path)

    def post(self, path, body=None):
        return self._call("POST", path, body or {})

    def points(self):
        return self.get("/points?since=0")

    def run(self, code, extra_env=None, timeout=60):
        """Runs `code` in a fresh interpreter exporting here over OTLP/HTTP; returns the process.

        The SDK reads the environment once, at init, hence a subprocess per scenario. The
        periodic export interval is long, so the only export is the one at interpreter exit.
        """
        env = dict(os.environ)
        for key in list(env):
            if key.startswith("OTEL_"):
                del env[key]
        env.update(
            {
                "PYTHONPATH": os.pathsep.join([TESTS_DIR] + _package_roots()),
                "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{self.http_port}",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
                "OTEL_METRIC_EXPORT_INTERVAL": "600000",
            }
        )
        env.update(extra_env or {})
        proc = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True,
            timeout=timeout,
        )
        assert proc.returncode == 0, f"scenario failed:\n{proc.stdout}\n{proc.stderr}"
        return proc


@pytest.fixture(scope="module")
def receiver():
    """The OTLP test receiver, started with node; skips when node or its modules are missing."""
    if not native_available():
        pytest.skip("cryptolake._native is not importable: no OpenTelemetry export to check")
    node = shutil.which("node")
    script = os.path.join(SOURCE_DIR, "test", "peers", "otlp_receiver.mjs")
    modules = os.path.join(SOURCE_DIR, "test", "peers", "node_modules")
    if node is None or not os.path.isdir(modules):
        pytest.skip("node or test/peers/node_modules missing (run scripts/setup.sh)")
    proc = subprocess.Popen(
        [node, script], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        line = proc.stdout.readline()
        ports = json.loads(line)
        yield Receiver(proc, ports)
    finally:
        try:
            Receiver(proc, ports).post("/shutdown")
        except Exception:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(timeout=10)


class Series:
    """The points of one export, indexed by metric name and attributes."""

    def __init__(self, points):
        self.points = points

    def find(self, metric, **attrs):
        """Points of `metric` whose attributes are exactly `attrs` (dots spelled as given)."""
        return [p for p in self.points if p["metric"] == metric and p["attributes"] == attrs]

    def of(self, metric):
        return [p for p in self.points if p["metric"] == metric]

    def one(self, metric, attrs):
        found = [p for p in self.points if p["metric"] == metric and p["attributes"] == attrs]
        assert len(found) == 1, (
            f"{metric} {attrs}: {len(found)} points; have "
            f"{[p['attributes'] for p in self.of(metric)]}"
        )
        return found[0]
