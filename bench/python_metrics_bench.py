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
The no-op case runs in a child interpreter (the SDK cannot be uninstalled and re-created for
the same instruments in one process without changing what is measured).
"""

import argparse
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


if __name__ == "__main__":
    main()
