// cryptolake._native: the extension module under cryptolake.metrics and the crypto_lakehouse
// compatibility packages (docs/python.md). The pieces live in instruments.cc, observable.cc,
// provider.cc and suite.cc.
#include "native.h"

PYBIND11_MODULE(_native, m) {
  m.doc() =
      "cryptolake's metrics SDK (C++) for Python: meters, instruments, the crypto instrument "
      "suite, and export configured from the OTEL_* environment.";
  namespace cp = cryptolake::python;
  cp::RegisterInstruments(m);
  cp::RegisterProvider(m);
  cp::RegisterSuite(m);
}
