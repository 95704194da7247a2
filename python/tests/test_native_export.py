"""cryptolake._native and cryptolake.metrics end to end: a Python program records, the C++ SDK
exports over OTLP, and the test receiver (test/peers/otlp_receiver.mjs) decodes it with the
official protobuf definitions. Each scenario runs in a fresh interpreter (run_python), because
the SDK reads the OTEL_* environment when it starts."""

import json

import pytest

from otlp_peer import run_python


def by_metric(points):
    out = {}
    for p in points:
        out.setdefault(p["metric"], []).append(p)
    return out


def last_by_attrs(points):
    """{frozen attributes: point} keeping the newest point of each series."""
    out = {}
    for p in sorted(points, key=lambda p: int(p["timeUnixNano"])):
        out[json.dumps(p["attributes"], sort_keys=True)] = p
    return out


def ok(proc):
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


@pytest.mark.parametrize("protocol", ["http/protobuf", "grpc"])
def test_every_instrument_kind_arrives(otlp_receiver, protocol):
    ok(run_python("""
        from cryptolake import _native
        assert _native.init_from_environment() is True
        assert _native.sdk_enabled()
        m = _native.get_meter("py.test", "1.2.3")
        c = m.create_counter("py.counter", unit="{record}", description="records")
        c.add(5, {"crypto.symbol": "BTCUSDT", "n": 3, "ok": True, "ratio": 0.5})
        c.add(7, {"crypto.symbol": "BTCUSDT", "n": 3, "ok": True, "ratio": 0.5})
        c.add(-4, {"crypto.symbol": "BTCUSDT", "n": 3, "ok": True, "ratio": 0.5})  # ignored
        c.add(1, {"list": ["a", "b"], "ints": [1, 2]})
        b = c.bind({"crypto.symbol": "ETHUSDT"})
        for _ in range(10):
            b.add(2)
        cd = m.create_counter("py.counter.double", unit="s", value_type="double")
        cd.add(0.25)
        cd.bind({"k": "v"}).add(1.5)
        u = m.create_up_down_counter("py.updown", unit="{item}")
        u.add(10)
        u.add(-3)
        u.bind({"q": "x"}).add(-2)
        h = m.create_histogram("py.histogram", unit="s", value_type="double",
                               boundaries=[0.1, 1.0, 10.0])
        for v in (0.05, 0.5, 5.0, 50.0):
            h.record(v, {"stage": "parse"})
        hb = h.bind({"stage": "write"})
        hb.record(2.0)
        hb.record(-1.0)  # ignored
        g = m.create_gauge("py.gauge", unit="By")
        g.record(100, {"k": "a"})
        g.record(42, {"k": "a"})
        g.bind({"k": "b"}).record(7)

        def counter_cb():
            return [(11, {"src": "x"}), (12, {"src": "y"})]
        def broken_cb():
            raise RuntimeError("callback broke on purpose")
        def gauge_cb():
            yield (3.5, {"g": "1"})
            yield (4.5,)
        m.create_observable_counter("py.obs.counter", [counter_cb, broken_cb], unit="{call}")
        m.create_observable_up_down_counter("py.obs.updown", counter_cb)
        m.create_observable_gauge("py.obs.gauge", [gauge_cb], unit="Cel", value_type="double")
        assert _native.force_flush() is True
        assert _native.shutdown() is True
    """, otlp_receiver.env(protocol)))
    pts = by_metric(otlp_receiver.points())

    c = last_by_attrs(pts["py.counter"])
    first = c[json.dumps({"crypto.symbol": "BTCUSDT", "n": "3", "ok": True, "ratio": 0.5},
                         sort_keys=True)]
    assert first["type"] == "sum" and first["isMonotonic"] is True
    assert first["unit"] == "{record}" and first["description"] == "records"
    assert first["valueType"] == "asInt" and first["value"] == "12"
    assert c[json.dumps({"list": ["a", "b"], "ints": ["1", "2"]}, sort_keys=True)]["value"] == "1"
    assert c[json.dumps({"crypto.symbol": "ETHUSDT"})]["value"] == "20"

    cd = last_by_attrs(pts["py.counter.double"])
    assert cd["{}"]["valueType"] == "asDouble" and cd["{}"]["value"] == 0.25
    assert cd[json.dumps({"k": "v"})]["value"] == 1.5

    u = last_by_attrs(pts["py.updown"])
    assert u["{}"]["isMonotonic"] is False and u["{}"]["value"] == "7"
    assert u[json.dumps({"q": "x"})]["value"] == "-2"

    h = last_by_attrs(pts["py.histogram"])
    parse = h[json.dumps({"stage": "parse"})]
    assert parse["type"] == "histogram" and parse["unit"] == "s"
    assert parse["explicitBounds"] == [0.1, 1.0, 10.0]
    assert [int(x) for x in parse["bucketCounts"]] == [1, 1, 1, 1]
    assert parse["sum"] == pytest.approx(55.55)
    write = h[json.dumps({"stage": "write"})]
    assert int(write["count"]) == 1 and write["sum"] == 2.0

    g = last_by_attrs(pts["py.gauge"])
    assert g[json.dumps({"k": "a"})]["type"] == "gauge"
    assert g[json.dumps({"k": "a"})]["value"] == "42"
    assert g[json.dumps({"k": "b"})]["value"] == "7"

    oc = last_by_attrs(pts["py.obs.counter"])
    assert oc[json.dumps({"src": "x"})]["value"] == "11"
    assert oc[json.dumps({"src": "y"})]["value"] == "12"
    assert oc[json.dumps({"src": "x"})]["isMonotonic"] is True
    assert last_by_attrs(pts["py.obs.updown"])[json.dumps({"src": "y"})]["isMonotonic"] is False
    og = last_by_attrs(pts["py.obs.gauge"])
    assert og[json.dumps({"g": "1"})]["value"] == 3.5 and og["{}"]["value"] == 4.5
    assert og["{}"]["unit"] == "Cel"

    any_point = pts["py.counter"][0]
    assert any_point["scope"]["name"] == "py.test" and any_point["scope"]["version"] == "1.2.3"
    assert any_point["resource"]["service.name"] == "crypto-data-lakehouse"
    assert any_point["resource"]["crypto.exchange"] == "binance"
    assert "process.pid" in any_point["resource"]


def test_raising_callback_is_reported_and_collection_goes_on(otlp_receiver):
    proc = ok(run_python("""
        from cryptolake import _native
        _native.init_from_environment()
        m = _native.get_meter("py.cb")
        def broken():
            raise ValueError("boom from the callback")
        def wrong_shape():
            return [("not a number", {}), 42]
        def good():
            return [(5, {"k": "v"})]
        m.create_observable_gauge("py.cb.broken", [broken])
        m.create_observable_gauge("py.cb.wrong", wrong_shape)
        m.create_observable_gauge("py.cb.good", good)
        for _ in range(3):
            assert _native.force_flush()
        print("still running")
    """, otlp_receiver.env()))
    assert "still running" in proc.stdout
    assert "boom from the callback" in proc.stderr
    assert "ValueError" in proc.stderr
    assert "py.cb.broken" in proc.stderr
    good = otlp_receiver.points("py.cb.good")
    assert len(good) >= 3 and all(p["value"] == "5" for p in good)
    assert otlp_receiver.points("py.cb.broken") == []


def test_observation_objects_with_computed_values(otlp_receiver):
    # An observation object whose `value` is a property returning a fresh float: the module must
    # own the value while converting it (a borrowed handle to the temporary crashed).
    ok(run_python("""
        from cryptolake import _native
        _native.init_from_environment()
        class Obs:
            attributes = {"k": "v"}
            @property
            def value(self):
                return 1.5 * len("abcdefgh") + 0.25
        m = _native.get_meter("py.obs")
        m.create_observable_gauge("py.obs.computed", [lambda: [Obs() for _ in range(3)]],
                                  value_type="double")
        for _ in range(3):
            assert _native.force_flush()
    """, otlp_receiver.env()))
    points = otlp_receiver.points("py.obs.computed")
    assert len(points) >= 3 and all(p["value"] == 12.25 for p in points)


def test_flush_or_shutdown_inside_a_callback_is_refused(otlp_receiver):
    proc = ok(run_python("""
        from cryptolake import _native
        _native.init_from_environment()
        m = _native.get_meter("py.reentrant")
        def flushing():
            _native.force_flush()
            return [(1, {})]
        def stopping():
            _native.shutdown()
            return [(2, {})]
        m.create_observable_gauge("py.reentrant.flush", [flushing])
        m.create_observable_gauge("py.reentrant.stop", [stopping])
        m.create_observable_gauge("py.reentrant.good", [lambda: [(3, {})]])
        assert _native.force_flush(2000)
        assert _native.sdk_enabled()
        print("still running")
    """, otlp_receiver.env()))
    assert "still running" in proc.stdout
    assert "cannot run inside an observable callback" in proc.stderr
    assert otlp_receiver.points("py.reentrant.good")


def test_force_flush_and_shutdown_are_idempotent(otlp_receiver):
    ok(run_python("""
        from cryptolake import _native
        assert _native.init_from_environment(service_name="py-idempotent")
        assert _native.init_from_environment()  # Idempotent: the same SDK.
        c = _native.get_meter("py.idem").create_counter("py.idem.counter")
        c.add(3)
        assert _native.force_flush(2000) and _native.force_flush(2000)
        assert _native.shutdown() is True
        assert _native.shutdown() is True
        assert not _native.sdk_enabled()
        c.add(100)  # The provider is gone: nothing more is exported, nothing fails.
        late = _native.get_meter("py.idem").create_counter("py.idem.late")
        assert not late.enabled
        late.add(1)
        assert _native.force_flush() is True
    """, otlp_receiver.env()))
    pts = otlp_receiver.points("py.idem.counter")
    assert pts and all(p["value"] == "3" for p in pts)
    assert pts[0]["resource"]["service.name"] == "py-idempotent"
    assert otlp_receiver.points("py.idem.late") == []


def test_sdk_disabled_is_silent(otlp_receiver):
    proc = ok(run_python("""
        from cryptolake import _native, metrics
        assert _native.init_from_environment() is False
        assert not _native.sdk_enabled()
        c = _native.get_meter("py.off").create_counter("py.off.counter")
        assert not c.enabled
        c.add(1, {"k": "v"})
        _native.suite().records_ingested.add(5, {"crypto.symbol": "X"})
        assert not metrics.get_meter_provider().sdk_enabled
        metrics.get_meter("py.off").create_histogram("py.off.h").record(1)
        assert _native.force_flush() and _native.shutdown()
    """, otlp_receiver.env(OTEL_SDK_DISABLED="true")))
    assert proc.stdout == "" and proc.stderr == ""
    assert otlp_receiver.get("/stats")["requests"] == 0


def test_eight_threads_lose_nothing(otlp_receiver):
    ok(run_python("""
        import threading
        from cryptolake import _native
        _native.init_from_environment()
        m = _native.get_meter("py.threads")
        c = m.create_counter("py.threads.counter")
        bound = c.bind({"path": "bound"})
        def work(i):
            attrs = {"path": "dict", "worker": str(i % 2)}
            for _ in range(10000):
                c.add(1, attrs)
                bound.add(1)
        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        assert _native.shutdown()
    """, otlp_receiver.env()))
    last = last_by_attrs(otlp_receiver.points("py.threads.counter"))
    assert last[json.dumps({"path": "bound"})]["value"] == "80000"
    assert last[json.dumps({"path": "dict", "worker": "0"}, sort_keys=True)]["value"] == "40000"
    assert last[json.dumps({"path": "dict", "worker": "1"}, sort_keys=True)]["value"] == "40000"


def test_gil_is_released_while_exporting(otlp_receiver):
    """A Python thread keeps counting while force_flush waits 5 s on a stalled receiver.

    The counting thread notes the time of every 1000th increment; increments noted strictly
    inside the flush (0.5 s after it started, 0.5 s before it ended) can only exist if the
    flushing thread let go of the GIL (a thread holding it in C++ never gives it up)."""
    otlp_receiver.post("/mode", {"mode": "stall", "stall_ms": 5000})
    proc = ok(run_python("""
        import threading, time
        from cryptolake import _native
        _native.init_from_environment()
        c = _native.get_meter("py.gil").create_counter("py.gil.counter")
        c.add(1)
        marks = []
        stop = False
        def counting():
            n = 0
            while not stop:
                n += 1
                if n % 1000 == 0:
                    marks.append(time.monotonic())
        t = threading.Thread(target=counting)
        t.start()
        time.sleep(0.2)
        result = {}
        def flushing():
            start = time.monotonic()
            result["ok"] = _native.force_flush(20000)
            result["window"] = (start + 0.5, time.monotonic() - 0.5)
        f = threading.Thread(target=flushing)
        f.start()
        f.join()
        stop = True
        t.join()
        lo, hi = result["window"]
        inside = sum(1 for m in marks if lo <= m <= hi) * 1000
        print(result["ok"], hi - lo + 1.0, inside)
    """, otlp_receiver.env(OTEL_EXPORTER_OTLP_TIMEOUT="15000")))
    flushed, seconds, increments = proc.stdout.split()
    assert flushed == "True"
    assert float(seconds) >= 4.5  # The receiver held the export ~5 s...
    assert int(increments) > 100000  # ...and the counting thread ran all along.
    assert otlp_receiver.points("py.gil.counter")


def test_suite_records_the_catalog_instruments(otlp_receiver):
    ok(run_python("""
        import time
        from cryptolake import _native
        _native.init_from_environment()
        s = _native.suite()
        assert _native.suite() is s  # Cached per provider.
        s.records_ingested.add(1000, {"crypto.symbol": "BTCUSDT", "crypto.market": "spot"})
        s.workflow_duration.record(1.5, {"workflow.name": "daily"})
        s.gaps_missing_duration.add(60.0)
        s.queue_size.bind({"queue.name": "downloads"}).add(4)
        s.record_record_age(2.0, {"crypto.symbol": "BTCUSDT"})
        s.observe_newest_event("spot", "klines", "BTCUSDT", "1m",
                               int(time.time() * 1e6) - 30_000_000)
        assert s.high_volume_sample_rate == 1.0
        assert _native.shutdown()
        assert _native.suite() is not s  # The provider changed.
    """, otlp_receiver.env()))
    catalog = {e["name"]: e for e in json.loads(run_python(
        "import json; from cryptolake import _native; print(json.dumps(_native.catalog()))"
    ).stdout)}
    # The suite's scope holds catalog instruments only (the exporter's self-metrics have their
    # own scopes).
    pts = by_metric(p for p in otlp_receiver.points() if p["scope"]["name"] == "cryptolake")
    assert set(pts) <= set(catalog)

    def point(name):
        [p] = [p for p in pts[name]]
        assert p["unit"] == catalog[name]["unit"]
        assert set(p["attributes"]) <= set(catalog[name]["attribute_keys"])
        assert p["scope"]["name"] == "cryptolake"
        return p

    ingested = [n for n, e in catalog.items() if n.endswith("records.ingested")][0]
    assert point(ingested)["value"] == "1000"
    assert point(ingested)["attributes"]["crypto.symbol"] == "BTCUSDT"
    duration = [n for n in catalog if n.endswith("workflow.duration")][0]
    assert point(duration)["sum"] == 1.5
    age = [n for n, e in catalog.items() if e["high_volume"]][0]
    assert point(age)["sum"] == 2.0
    freshness = [n for n in catalog if n.endswith("freshness")][0]
    assert 29 < point(freshness)["value"] < 120


def test_metrics_api_exports_at_exit(otlp_receiver):
    """cryptolake.metrics: SDK from the environment on first use, shutdown at interpreter exit."""
    ok(run_python("""
        from cryptolake import metrics
        provider = metrics.get_meter_provider()
        assert metrics.get_meter_provider() is provider and provider.sdk_enabled
        meter = metrics.get_meter("py.api", "0.1")
        meter.create_counter("py.api.counter", unit="{x}").add(9, {"k": "v"})
        meter.create_observable_gauge("py.api.gauge", lambda: [(1.25, {})], value_type="double")
        # No flush, no shutdown: the atexit hook exports the last interval.
    """, otlp_receiver.env()))
    [p] = otlp_receiver.points("py.api.counter")
    assert p["value"] == "9" and p["attributes"] == {"k": "v"} and p["unit"] == "{x}"
    assert otlp_receiver.points("py.api.gauge")[0]["value"] == 1.25


def test_metrics_api_shutdown_is_final(otlp_receiver):
    ok(run_python("""
        from cryptolake import metrics
        c = metrics.get_meter("py.final").create_counter("py.final.counter")
        c.add(1)
        assert metrics.force_flush() is True
        assert metrics.shutdown() is True
        assert metrics.shutdown() is True
        assert not metrics.get_meter_provider().sdk_enabled
        assert not metrics.get_meter("py.final").create_counter("py.final.after").enabled
    """, otlp_receiver.env()))
    assert otlp_receiver.points("py.final.counter")
    assert otlp_receiver.points("py.final.after") == []
