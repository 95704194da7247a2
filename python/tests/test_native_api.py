"""cryptolake._native in this process, without an SDK (the global provider is the no-op one):
the module's surface, the catalog, attribute and value checking. What reaches an exporter is
checked in test_native_export.py."""

import math
import re

import pytest

from cryptolake import _native

CRYPTO_METRICS_H = "include/telemetry/cryptolake/telemetry/crypto_metrics.h"


def crypto_metrics_members():
    """(member, kind) of every instrument member CryptoMetrics declares, from its header."""
    import otlp_peer
    with open(otlp_peer.SOURCE_DIR + "/" + CRYPTO_METRICS_H) as f:
        text = f.read()
    return re.findall(r"^\s*metrics::(\w+)<[\w:]+> (\w+);", text, re.M)


def test_suite_has_every_synchronous_member_of_crypto_metrics():
    members = crypto_metrics_members()
    assert len(members) == len(_native.catalog())  # One member per catalog entry.
    suite = _native.suite()
    for kind, member in members:
        if kind.startswith("Observable"):
            assert not hasattr(suite, member), member  # Observe-only: left out (docs/python.md).
            continue
        handle = getattr(suite, member)
        assert type(handle).__name__ == kind, member
        assert handle.name == member


def test_catalog_matches_the_suite():
    """catalog() is in InstrumentId order, which is CryptoMetrics' member order: each entry's
    kind and value type are its member's."""
    kinds = {"Counter": "counter", "UpDownCounter": "up_down_counter", "Histogram": "histogram",
             "Gauge": "gauge", "ObservableGauge": "observable_gauge",
             "ObservableCounter": "observable_counter",
             "ObservableUpDownCounter": "observable_up_down_counter"}
    suite = _native.suite()
    catalog = _native.catalog()
    for (kind, member), entry in zip(crypto_metrics_members(), catalog):
        assert entry["kind"] == kinds[kind], (member, entry["name"])
        if hasattr(suite, member):
            assert getattr(suite, member).value_type == entry["value_type"], member
    for e in catalog:
        assert set(e) == {"name", "kind", "value_type", "unit", "description", "attribute_keys",
                          "bucket_boundaries", "high_volume"}
        assert re.fullmatch(r"[a-z][a-z0-9_.]*", e["name"]) and e["unit"] and e["description"]
        assert all(isinstance(k, str) and k for k in e["attribute_keys"])
        b = e["bucket_boundaries"]
        if e["kind"] != "histogram":
            assert b == []
        assert b == sorted(b) and len(set(b)) == len(b)
    assert [e["name"] for e in catalog if e["high_volume"]] == ["cryptolake.data.record.age"]
    assert len({e["name"] for e in catalog}) == len(catalog)


def test_known_error_types_and_sample_rate(monkeypatch):
    types = _native.known_error_types()
    assert "_OTHER" in types
    assert all(isinstance(t, str) and t for t in types)
    monkeypatch.setenv("OTEL_HIGH_VOLUME_SAMPLE_RATE", "0.25")
    assert _native.high_volume_sample_rate() == 0.25
    monkeypatch.setenv("OTEL_HIGH_VOLUME_SAMPLE_RATE", "7")
    assert _native.high_volume_sample_rate() == 1.0
    monkeypatch.setenv("OTEL_HIGH_VOLUME_SAMPLE_RATE", "nonsense")
    assert _native.high_volume_sample_rate() == 1.0


def test_noop_provider_instruments_accept_everything_silently():
    assert not _native.sdk_enabled()
    meter = _native.get_meter("test.noop")
    c = meter.create_counter("test.noop.counter", unit="1")
    assert not c.enabled
    c.add(1, {"a": "b"})
    c.bind({"a": "b"}).add(1)
    assert _native.force_flush() is True  # Nothing to export.
    assert _native.shutdown() is True
    assert _native.shutdown() is True


def test_attribute_types():
    meter = _native.get_meter("test.attrs")
    c = meter.create_counter("test.attrs.counter")
    h = meter.create_histogram("test.attrs.histogram", value_type="double")
    ok = {"s": "x", "i": 3, "f": 1.5, "b": True, "ls": ["a", "b"], "li": [1, 2], "lf": [0.5],
          "lb": [True, False], "empty": [], "tuple": ("a",)}
    c.add(1, ok)
    h.record(1.0, ok)
    c.bind(ok).add(2)
    c.add(1, None)
    c.add(1)
    for bad in ({1: "x"}, {"k": None}, {"k": object()}, {"k": {"nested": 1}}, {"k": [1, "a"]},
                {"k": [None]}, {"k": 2 ** 70}, "not a dict", 5):
        with pytest.raises(TypeError):
            c.add(1, bad)
        with pytest.raises(TypeError):
            c.bind(bad)


def test_bad_values_are_ignored_not_raised():
    meter = _native.get_meter("test.values")
    for value_type in ("int", "double"):
        c = meter.create_counter("test.values.counter." + value_type, value_type=value_type)
        g = meter.create_gauge("test.values.gauge." + value_type, value_type=value_type)
        for v in (None, "1", [1], math.nan, math.inf, -math.inf, 2 ** 80, object(), -1):
            c.add(v)
            c.bind({}).add(v)
            g.record(v, {"k": "v"})


def test_value_type_and_names():
    meter = _native.get_meter("test.types")
    assert meter.create_counter("a", value_type="int").value_type == "int"
    assert meter.create_counter("b", value_type="double").value_type == "double"
    with pytest.raises(ValueError):
        meter.create_counter("c", value_type="decimal")
    with pytest.raises(ValueError):
        meter.create_observable_gauge("d", value_type="long")
    with pytest.raises(TypeError):
        meter.create_observable_gauge("e", callbacks=[42])
    # An invalid name is a no-op instrument, never an exception (as in the C++ API).
    meter.create_counter("9 invalid name!").add(1)
