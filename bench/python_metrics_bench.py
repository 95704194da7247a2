#!/usr/bin/env python3
"""Cost of recording a metric from Python (issue 14), in ns per operation.

    PYTHONPATH=build/release/python python3 bench/python_metrics_bench.py [--seconds S]

Cases (each timed with timeit, best of 5 repeats):
  sdk add, 3 attrs     counter.add(1, {3 attributes}) on the C++ SDK (an SDK provider installed
                       with no exporter: recording costs the same whatever exports)
  sdk bound add        counter.bind({3 attributes}) once, then bound.add(1)
  no-op add, 3 attrs   counter.add(1, {3 attributes}) with no SDK (the no-op provider)
  legacy dict append   the predecessor's legacy collector style: events.append({...}) of a dict
                       holding a name, a float timestamp and the 3 attributes
  loop overhead        an empty timeit statement (subtract it mentally; ratios include it)
The predecessor's API (crypto_lakehouse), each in a child interpreter with the SDK on or off:
  tracker scope        one `with metrics.track_data_processing("x"): pass` (operations.active
                       +1/-1 and one processing.duration record)
  record_event         collector.record_event("e") on the legacy MetricsCollector: the legacy
                       append plus cryptolake.workflow.events {workflow.name, event.name}
  record_event legacy  the same with MetricsCollector(enable_otel=False): the append only
  legacy event append  the predecessor's record_event itself: append {'event', 'timestamp'}
The no-op case runs in a child interpreter (the SDK cannot be uninstalled and re-created for
the same instruments in one process without changing what is measured).
"""

import argparse
import json
import os
import subprocess
import sys
import timeit

ATTRS = '{"crypto.symbol": "BTCUSDT", "crypto.market": "spot", "crypto.data_type": "klines"}'


def best_ns(stmt, setup, number, globals_=None):
    times = timeit.repeat(stmt, setup=setup, number=number, repeat=5, globals=globals_)
    return min(times) / number * 1e9


def sdk_cases(number):
    os.environ.pop("OTEL_SDK_DISABLED", None)
    os.environ["OTEL_METRICS_EXPORTER"] = "none"
    from cryptolake import _native
    assert _native.init_from_environment(), "the SDK did not start"
    setup = ("from cryptolake import _native\n"
             "m = _native.get_meter('bench')\n"
             "c = m.create_counter('bench.counter')\n"
             "attrs = " + ATTRS + "\n"
             "b = c.bind(attrs)\n")
    out = {
        "sdk add, 3 attrs": best_ns("c.add(1, attrs)", setup, number),
        "sdk bound add": best_ns("b.add(1)", setup, number),
    }
    _native.shutdown()
    return out


def noop_case(number):
    code = ("import sys, timeit\n"
            "from cryptolake import _native\n"
            "c = _native.get_meter('bench').create_counter('bench.counter')\n"
            "attrs = " + ATTRS + "\n"
            "t = min(timeit.repeat('c.add(1, attrs)', number=%d, repeat=5, globals=globals()))\n"
            "print(t / %d * 1e9)\n" % (number, number))
    env = dict(os.environ, OTEL_SDK_DISABLED="true")
    return float(subprocess.check_output([sys.executable, "-c", code], env=env, text=True))


COMPAT = """
import json, timeit
from time import time
from crypto_lakehouse.core.metrics import MetricsCollector
from crypto_lakehouse.observability.metrics import get_metrics

metrics = get_metrics()
number = %d

def best(stmt, setup="pass"):
    return min(timeit.repeat(stmt, setup=setup, number=number, repeat=5, globals=globals())) / number * 1e9

def scope():
    with metrics.track_data_processing("x"):
        pass

print(json.dumps({
    "sdk": metrics.enabled,
    "tracker scope": best("scope()"),
    "record_event": best("c.record_event('e')", "c = MetricsCollector()"),
    "record_event legacy": best("c.record_event('e')", "c = MetricsCollector(enable_otel=False)"),
    "legacy event append": best("events.append({'event': 'e', 'timestamp': time()})",
                                "events = []"),
}))
"""


def compat_cases(number):
    """The predecessor's API with the SDK on (no exporter) and off, each in a child."""
    out = {}
    for label, extra in (("", {"OTEL_METRICS_EXPORTER": "none"}), (", no SDK",
                                                                   {"OTEL_SDK_DISABLED": "true"})):
        env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
        env.update(extra)
        r = json.loads(subprocess.check_output([sys.executable, "-c", COMPAT % number], env=env,
                                               text=True))
        assert r.pop("sdk") == (label == ""), "the SDK state is not the one asked for"
        legacy = r.pop("legacy event append")
        if label == "":
            out["legacy event append"] = legacy
        for name, ns in r.items():
            if name == "record_event legacy" and label:
                continue
            out[name + label] = ns
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--number", type=int, default=1_000_000, help="calls per repeat")
    args = parser.parse_args()
    n = args.number
    results = {}
    results.update(sdk_cases(n))
    results["no-op add, 3 attrs"] = noop_case(n)
    results["legacy dict append"] = best_ns(
        "events.append({'event': 'records', 'timestamp': time(), **attrs})",
        "from time import time\nevents = []\nattrs = " + ATTRS, n // 10)
    results["loop overhead"] = best_ns("pass", "", n)
    legacy = results["legacy dict append"]
    print("%-22s %10s %12s" % ("case", "ns/op", "vs legacy"))
    for name, ns in results.items():
        print("%-22s %10.1f %11.2fx" % (name, ns, ns / legacy))
    compat = compat_cases(max(n // 10, 1))
    legacy = compat["legacy event append"]
    print()
    print("%-24s %10s %12s" % ("crypto_lakehouse case", "ns/op", "vs append"))
    for name, ns in compat.items():
        print("%-24s %10.1f %11.2fx" % (name, ns, ns / legacy))


if __name__ == "__main__":
    main()
