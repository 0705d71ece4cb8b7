"""Shared by the binding tests: paths and skipping on what the library
does not have yet."""
import os
import tempfile
import unittest

import emo
from emo._lib import lib

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
ASTRONAUT = os.path.join(SOURCE, "examples", "data", "astronaut.png")
HEADER = os.path.join(SOURCE, "include", "emo.h")

try:
    import numpy as np
except ImportError:
    np = None


def requires(*names):
    """Skips a test when the loaded libemo lacks one of the functions."""
    missing = [n for n in names if not lib.has(n)]
    return unittest.skipIf(missing, "libemo lacks %s" % ", ".join(missing))


def tmpdir(test):
    d = tempfile.TemporaryDirectory(prefix="emo-py-")
    test.addCleanup(d.cleanup)
    return d.name


def without_numpy(test):
    """Makes the binding behave as if numpy were absent, for one test."""
    from emo import _image
    saved = _image.np
    _image.np = None
    test.addCleanup(setattr, _image, "np", saved)
