#!/bin/sh
# Runs the Python binding's unittest suite against the library in build/.
# Usage: sh tests/check-python.sh [python]   (make check passes
# /usr/bin/python3, which has numpy; the binding itself needs only the
# standard library).
set -u
PY=${1:-/usr/bin/python3}
cd "$(dirname "$0")/.."
echo "== python binding ($PY)"
if ! command -v "$PY" >/dev/null 2>&1; then
    echo "python binding: $PY not found" >&2
    exit 1
fi
EMO_LIBRARY="${EMO_LIBRARY:-$(pwd)/build/libemo.so.1}" \
PYTHONPATH="$(pwd)/bindings/python${PYTHONPATH:+:$PYTHONPATH}" \
"$PY" - <<'PYEOF'
import sys
import unittest

suite = unittest.defaultTestLoader.discover("bindings/python/tests",
                                            pattern="test_*.py")
r = unittest.TextTestRunner(stream=sys.stdout, verbosity=1).run(suite)
print("python binding: %d tests, %d failures, %d errors, %d skipped"
      % (r.testsRun, len(r.failures), len(r.errors), len(r.skipped)))
sys.exit(0 if r.wasSuccessful() else 1)
PYEOF
