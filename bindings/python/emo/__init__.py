"""emo - Python binding of libemo, real-time facial emotion recognition.

    import emo
    net = emo.Network.load(emo.default_model())
    pred = emo.Predictor(net)
    for face in pred.predict_frame(emo.load_image("photo.jpg")):
        print(face.box, face.label_name, face.scores_by_name)

Standard library only (ctypes); numpy arrays are accepted and returned when
numpy is importable.  Errors raise emo.EmoError (code, name, detail).
Constants keep their C names without the EMO_ prefix: emo.OPT_FACE_SIZE.
"""
import os

from ._lib import lib, EmoError, Box, config
from .constants import *  # noqa: F401,F403 - the C constants
from ._image import Image, load_image, decode_image, save_image
from .preprocessor import Preprocessor
from .network import Network
from .dataset import Dataset, Item
from .predictor import Predictor, Prediction

__all__ = ["EmoError", "Box", "Image", "load_image", "decode_image",
           "save_image", "Preprocessor", "Network", "Dataset", "Item",
           "Predictor", "Prediction", "version", "class_name",
           "class_from_name", "option_bounds", "strerror", "default_model",
           "library_path"]


def version():
    """Version of the loaded C library, "MAJOR.MINOR.PATCH"."""
    return lib.emo_version().decode()


def library_path():
    """Path of the loaded C library."""
    return lib.path


def strerror(code):
    return lib.emo_strerror(code).decode()


def class_name(cls):
    """Canonical name of class index cls, None if out of range."""
    s = lib.emo_class_name(cls)
    return s.decode() if s is not None else None


def class_from_name(name):
    """Class index of a dataset spelling ("angry", "Sadness", "HA"...)."""
    rc = lib.emo_class_from_name(name.encode())
    if rc < 0:
        raise EmoError(rc, lib.emo_last_error().decode())
    return rc


def option_bounds(option):
    """(min, max, default) of an EMO_OPT_* option."""
    import ctypes
    lo, hi, de = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    rc = lib.emo_option_bounds(option, ctypes.byref(lo), ctypes.byref(hi),
                               ctypes.byref(de))
    if rc < 0:
        raise EmoError(rc, lib.emo_last_error().decode())
    return lo.value, hi.value, de.value


def default_model():
    """Path of the default model, by libemo's one rule
    (emo_default_model_path: $EMO_MODEL, then share/libemo/models beside
    the loaded library, the source tree's models/, the datadir the library
    was built for); None when there is none.  A library older than 1.1
    lacks the function: then $EMO_MODEL, the model `make install` recorded,
    and the source tree's models/."""
    import ctypes
    if lib.has("emo_default_model_path"):
        n = lib.emo_default_model_path(None, 0)
        if n < 0:
            return None
        buf = ctypes.create_string_buffer(n + 1)
        if lib.emo_default_model_path(buf, n + 1) != n:
            return None
        return os.fsdecode(buf.value)
    env = os.environ.get("EMO_MODEL")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    for path in (config("MODEL"),
                 os.path.join(here, "..", "..", "..", "models",
                              "default.emo")):
        if path and os.path.exists(path):
            return os.path.normpath(path)
    return None
