"""pytest fixtures shared by python/tests (the OTLP test receiver)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import otlp_peer  # noqa: E402


@pytest.fixture(scope="session")
def _otlp_receiver_session():
    reason = otlp_peer.receiver_unavailable()
    if reason:
        pytest.skip(reason)
    receiver = otlp_peer.Receiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def otlp_receiver(_otlp_receiver_session):
    """The OTLP test receiver, emptied and in mode "ok" for each test."""
    _otlp_receiver_session.reset()
    return _otlp_receiver_session
