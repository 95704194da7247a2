"""Helpers for Python tests that export to the OTLP test receiver (test/peers/otlp_receiver.mjs).

The receiver decodes every request with the official OpenTelemetry protobuf definitions (npm
otlp-transformer); these helpers start it, read its admin API, and run a Python scenario in a
fresh interpreter (the SDK reads the OTEL_* environment when it starts, so each configuration
needs its own process).
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import urllib.request

SOURCE_DIR = os.environ.get(
    "CRYPTOLAKE_SOURCE_DIR",
    os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
PEERS_DIR = os.path.join(SOURCE_DIR, "test", "peers")


def receiver_unavailable():
    """Why the receiver cannot run here (a skip reason), or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not os.path.isdir(os.path.join(PEERS_DIR, "node_modules", "@opentelemetry",
                                      "otlp-transformer")):
        return "test peers not installed (scripts/setup.sh)"
    return None


class Receiver:
    """A running otlp_receiver.mjs: ports, admin GET/POST, stop."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["node", os.path.join(PEERS_DIR, "otlp_receiver.mjs")],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            self.proc.kill()
            raise RuntimeError("otlp_receiver did not start: " + self.proc.stderr.read())
        ports = json.loads(line)
        self.grpc_port = ports["grpc_port"]
        self.http_port = ports["http_port"]
        self.admin_port = ports["admin_port"]

    def _request(self, method, path, body=None, timeout=60):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            "http://127.0.0.1:%d%s" % (self.admin_port, path), data=data, method=method,
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.loads(resp.read())

    def get(self, path, timeout=60):
        return self._request("GET", path, timeout=timeout)

    def post(self, path, body=None):
        return self._request("POST", path, body if body is not None else {})

    def reset(self):
        self.post("/mode", {"mode": "ok"})
        self.post("/reset")

    def points(self, metric=None):
        """Flattened data points of accepted requests (optionally of one metric)."""
        pts = self.get("/points?since=0")
        return [p for p in pts if metric is None or p["metric"] == metric]

    def stop(self):
        try:
            self.post("/shutdown")
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - best effort, then kill
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()

    def env(self, protocol="http/protobuf", **extra):
        """OTEL_* variables that export to this receiver."""
        port = self.grpc_port if protocol == "grpc" else self.http_port
        env = {
            "OTEL_METRICS_EXPORTER": "otlp",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:%d" % port,
            "OTEL_EXPORTER_OTLP_PROTOCOL": protocol,
            "OTEL_METRIC_EXPORT_INTERVAL": "60000",  # Tests export through flush/shutdown.
        }
        env.update({k: str(v) for k, v in extra.items()})
        return env


def run_python(code, env=None, timeout=120):
    """Runs `code` (dedented) in a fresh interpreter with the build tree's packages; returns the
    CompletedProcess (text stdout/stderr). OTEL_* variables of the caller are removed first."""
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith("OTEL_") and not k.startswith("CRYPTOLAKE_OTLP_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full_env,
                          capture_output=True, text=True, timeout=timeout)
