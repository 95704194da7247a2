"""The bridge from the compatibility packages to the native module (internal).

Everything here degrades silently: when ``cryptolake._native`` cannot be imported (the
extension was not built, or was built for another interpreter) or the SDK does not start
(``OTEL_SDK_DISABLED=true``, a configuration problem), :func:`instruments` returns ``None`` and
callers record nothing; their legacy behaviour is unaffected (the predecessor's fallback,
python-predecessor section 2.11).

Attribute rules shared by both packages:

* The plan's keyword arguments are mapped to the catalog's attribute keys
  (:data:`KWARG_KEYS`); a keyword that is already a catalog key (``**{"crypto.symbol": ...}``)
  passes unchanged; anything else is dropped. Values must be ``str``, ``bool``, ``int`` or
  ``float``; other values are dropped too, so a caller can never turn free text or an object's
  ``repr`` into a label by accident.
* ``error.type`` is bounded: see :func:`bounded_error_type` and :func:`exception_error_type`.

Thread-safety: every function may be called from any thread.
"""

import atexit
import re
import threading

try:  # The extension is optional: legacy behaviour must work without it.
    from cryptolake import _native
except Exception:  # ImportError, or an extension built for another ABI.
    _native = None

# The plan's keyword names -> catalog attribute keys (semantic_conventions.h).
KWARG_KEYS = {
    "exchange": "crypto.exchange",
    "market": "crypto.market",
    "symbol": "crypto.symbol",
    "data_type": "crypto.data_type",
    "timeframe": "crypto.interval",
    "interval": "crypto.interval",
    "layer": "lakehouse.layer",
    "source": "lakehouse.source",
    "storage_backend": "storage.backend",
    "backend": "storage.backend",
    "queue": "queue.name",
}

# Exception classes whose name may become error.type: Python's built-in exceptions a pipeline
# meets. A subclass is recorded under the nearest listed base (a ValueError subclass is
# "ValueError"); anything else is "_OTHER". Exception and BaseException are deliberately absent.
_BUILTIN_ERROR_NAMES = frozenset(
    [
        "ArithmeticError", "AssertionError", "AttributeError", "BlockingIOError",
        "BrokenPipeError", "BufferError", "ChildProcessError", "ConnectionAbortedError",
        "ConnectionError", "ConnectionRefusedError", "ConnectionResetError", "EOFError",
        "FileExistsError", "FileNotFoundError", "FloatingPointError", "GeneratorExit",
        "ImportError", "IndexError", "InterruptedError", "IsADirectoryError", "KeyError",
        "KeyboardInterrupt", "LookupError", "MemoryError", "ModuleNotFoundError", "NameError",
        "NotADirectoryError", "NotImplementedError", "OSError", "OverflowError",
        "PermissionError", "ProcessLookupError", "RecursionError", "ReferenceError",
        "RuntimeError", "StopAsyncIteration", "StopIteration", "SystemError", "SystemExit",
        "TimeoutError", "TypeError", "UnboundLocalError", "UnicodeDecodeError",
        "UnicodeEncodeError", "UnicodeError", "UnicodeTranslateError", "ValueError",
        "ZeroDivisionError", "CancelledError",
    ]
)
_BUILTIN_MODULES = ("builtins", "asyncio.exceptions", "concurrent.futures._base")

OTHER = "_OTHER"
_SHORT_IDENTIFIER = re.compile(r"[a-z0-9_]{1,32}")

_lock = threading.Lock()
_started = False
_sdk_running = False
_catalog_keys = frozenset()
_known_error_types = frozenset([OTHER])


def native_available():
    """True when the extension module imported."""
    return _native is not None


def _shutdown_at_exit():
    try:
        _native.shutdown(5000)
    except Exception:
        pass


def start():
    """Installs the SDK from the OTEL_* environment once per process; True when it runs.

    Idempotent and never raises. Registers a flush-and-shutdown at interpreter exit (the
    native shutdown is idempotent, so another package registering its own is harmless).
    """
    global _started, _sdk_running, _catalog_keys, _known_error_types
    if _native is None:
        return False
    if _started:
        return _sdk_running
    with _lock:
        if not _started:
            try:
                _native.init_from_environment()
                _sdk_running = bool(_native.sdk_enabled())
                keys = set()
                for spec in _native.catalog():
                    keys.update(spec.get("attribute_keys", ()))
                _catalog_keys = frozenset(keys)
                _known_error_types = frozenset(_native.known_error_types()) | {OTHER}
                atexit.register(_shutdown_at_exit)
            except Exception:
                _sdk_running = False
            _started = True
    return _sdk_running


def instruments():
    """The catalog's instruments on the current provider, or None when nothing is recorded.

    Take it when a unit of work starts (as C++ takes CryptoMetrics::Current()); the native
    suite() follows provider changes.
    """
    if not (_sdk_running if _started else start()):
        return None
    try:
        if not _native.sdk_enabled():  # shut down since (cryptolake.metrics.shutdown())
            return None
        return _native.suite()
    except Exception:
        return None


# (suite, {operation.kind: bound operations_active handle}): replaced as a whole when the suite
# changes (a new provider), so readers on other threads always see a consistent pair.
_active_handles = (None, {})


def operations_active(m, kind):
    """A handle on m.operations_active {operation.kind: kind} with .add(delta).

    Bound once per suite and kind (a bound add skips converting the attribute dict, the bulk
    of a scope's cost). A race builds a duplicate handle at worst.
    """
    suite, handles = _active_handles
    if suite is not m:
        handles = {}
        globals()["_active_handles"] = (m, handles)
    handle = handles.get(kind)
    if handle is None:
        handle = m.operations_active.bind({"operation.kind": kind})
        handles[kind] = handle
    return handle


def map_attributes(kwargs, into=None):
    """Maps the plan's keyword arguments to catalog attributes (see the module docstring)."""
    out = {} if into is None else into
    for name, value in kwargs.items():
        key = KWARG_KEYS.get(name)
        if key is None:
            if name in _catalog_keys:
                key = name
            else:
                continue
        if isinstance(value, (str, bool, int, float)):
            out[key] = value
    return out


def bounded_error_type(error_type):
    """error.type for a value a caller chose (the legacy ``error_type=`` keyword, fail()).

    One of the native known_error_types(), or a short identifier ([a-z0-9_], 1..32 chars);
    anything else, including None, is "_OTHER".
    """
    if isinstance(error_type, str):
        if error_type in _known_error_types or _SHORT_IDENTIFIER.fullmatch(error_type):
            return error_type
    return OTHER


def exception_error_type(exc_type):
    """error.type for an exception class: the nearest built-in base in a fixed list, or _OTHER."""
    try:
        for cls in exc_type.__mro__:
            if cls.__name__ in _BUILTIN_ERROR_NAMES and cls.__module__ in _BUILTIN_MODULES:
                return cls.__name__
    except Exception:
        pass
    return OTHER
