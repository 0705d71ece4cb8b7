"""Finding and loading libemo, the C prototypes, and the error type.

The library is looked up, in order, at the path in the EMO_LIBRARY
environment variable, in the build tree this package sits in
(../../build/libemo.so.1), at the path `make install` recorded in
_config.py (an installed package), then on the system
(ctypes.util.find_library, then the plain soname libemo.so.1).  Functions are bound on first use, so
a binding newer than the library still imports and fails only on the
functions the library lacks.
"""
import ctypes
import ctypes.util
import os

c_int = ctypes.c_int
c_int64 = ctypes.c_int64
c_uint64 = ctypes.c_uint64
c_size_t = ctypes.c_size_t
c_double = ctypes.c_double
c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
P = ctypes.POINTER

MAX_CLASSES = 16
MAX_VIEWS = 8


class Box(ctypes.Structure):
    """A face box in frame pixels (emo_box)."""
    _fields_ = [("x", ctypes.c_int32), ("y", ctypes.c_int32),
                ("w", ctypes.c_int32), ("h", ctypes.c_int32)]

    def __iter__(self):
        return iter((self.x, self.y, self.w, self.h))

    def __eq__(self, other):
        return tuple(self) == tuple(other)

    def __repr__(self):
        return "Box(x=%d, y=%d, w=%d, h=%d)" % tuple(self)


class CPrediction(ctypes.Structure):
    """emo_prediction, as the C library fills it."""
    _fields_ = [("box", Box), ("label", ctypes.c_int32),
                ("num_classes", ctypes.c_int32),
                ("scores", ctypes.c_float * MAX_CLASSES),
                ("num_views", ctypes.c_int32),
                ("view_labels", ctypes.c_int32 * MAX_VIEWS)]


PROGRESS_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_int, c_int, c_int,
                               P(c_double), c_int)

REDUCER_FN = ctypes.CFUNCTYPE(c_int, c_void_p, c_int, c_int, c_void_p,
                              c_size_t)

_u8p = P(ctypes.c_uint8)
_fp = P(ctypes.c_float)
_H = c_void_p  # every opaque handle

# name: (restype, argtypes)
PROTOTYPES = {
    "emo_version": (c_char_p, []),
    "emo_version_number": (c_int, []),
    "emo_strerror": (c_char_p, [c_int]),
    "emo_last_error": (c_char_p, []),
    "emo_free": (None, [c_void_p]),
    "emo_default_model_path": (c_int, [c_char_p, c_size_t]),
    "emo_class_name": (c_char_p, [c_int]),
    "emo_class_from_name": (c_int, [c_char_p]),
    "emo_option_bounds": (c_int, [c_int, P(c_double), P(c_double),
                                  P(c_double)]),
    "emo_set_int": (c_int, [c_int, c_int]),
    "emo_get_int": (c_int, [c_int, P(c_int)]),
    "emo_image_load": (c_int, [c_char_p, c_int, P(_u8p), P(c_int),
                               P(c_int)]),
    "emo_image_decode": (c_int, [c_void_p, c_size_t, c_int, P(_u8p),
                                 P(c_int), P(c_int)]),
    "emo_image_decode_into": (c_int, [c_void_p, c_size_t, c_int, c_void_p,
                                      c_size_t, c_int, P(c_int), P(c_int)]),
    "emo_image_save_png": (c_int, [c_char_p, c_void_p, c_int, c_int, c_int,
                                   c_int]),
    "emo_image_save_jpeg": (c_int, [c_char_p, c_void_p, c_int, c_int, c_int,
                                    c_int, c_int]),
    "emo_preprocessor_create": (c_int, [P(_H)]),
    "emo_preprocessor_destroy": (None, [_H]),
    "emo_preprocessor_load_cascade": (c_int, [_H, c_char_p]),
    "emo_preprocessor_set_int": (c_int, [_H, c_int, c_int]),
    "emo_preprocessor_set_float": (c_int, [_H, c_int, c_double]),
    "emo_preprocessor_get_int": (c_int, [_H, c_int, P(c_int)]),
    "emo_preprocessor_get_float": (c_int, [_H, c_int, P(c_double)]),
    "emo_preprocessor_detect": (c_int, [_H, c_void_p, c_int, c_int, c_int,
                                        P(Box), c_int, P(c_int)]),
    "emo_preprocessor_choose_face": (c_int, [_H, c_void_p, c_int, c_int,
                                             c_int, P(Box)]),
    "emo_preprocessor_normalize": (c_int, [_H, c_void_p, c_int, c_int, c_int,
                                           P(Box), _fp, c_size_t]),
    "emo_preprocessor_set_mean": (c_int, [_H, _fp, c_size_t]),
    "emo_preprocessor_get_mean": (c_int, [_H, _fp, c_size_t]),
    "emo_preprocessor_compute_mean": (c_int, [_H, _fp, c_size_t]),
    "emo_dataset_create": (c_int, [P(_H)]),
    "emo_dataset_destroy": (None, [_H]),
    "emo_dataset_set_int": (c_int, [_H, c_int, c_int]),
    "emo_dataset_set_float": (c_int, [_H, c_int, c_double]),
    "emo_dataset_get_int": (c_int, [_H, c_int, P(c_int)]),
    "emo_dataset_get_float": (c_int, [_H, c_int, P(c_double)]),
    "emo_dataset_add_ckplus": (c_int, [_H, c_char_p]),
    "emo_dataset_add_folder": (c_int, [_H, c_char_p]),
    "emo_dataset_add_jaffe": (c_int, [_H, c_char_p]),
    "emo_dataset_add_list": (c_int, [_H, c_char_p, c_char_p]),
    "emo_dataset_add_fer_csv": (c_int, [_H, c_char_p, c_char_p]),
    "emo_dataset_add_ferplus": (c_int, [_H, c_char_p]),
    "emo_dataset_item_votes": (c_int, [_H, c_int, P(c_int), c_int]),
    "emo_dataset_left_out": (c_int, [_H, c_int]),
    "emo_dataset_count": (c_int, [_H, c_int, c_int]),
    "emo_dataset_skipped": (c_int, [_H]),
    "emo_dataset_num_classes": (c_int, [_H]),
    "emo_dataset_class_name": (c_char_p, [_H, c_int]),
    "emo_dataset_left_out_folder": (c_int, [_H, c_int, P(c_char_p)]),
    "emo_dataset_item_path": (c_char_p, [_H, c_int]),
    "emo_dataset_item_subject": (c_char_p, [_H, c_int]),
    "emo_dataset_item_label": (c_int, [_H, c_int]),
    "emo_dataset_item_split": (c_int, [_H, c_int]),
    "emo_dataset_item_image": (c_int, [_H, c_int, P(_u8p), P(c_int),
                                       P(c_int)]),
    "emo_dataset_split_random": (c_int, [_H, c_double, c_double, c_double,
                                         c_uint64]),
    "emo_dataset_split_subjects": (c_int, [_H, c_int, c_int, c_int,
                                           c_uint64]),
    "emo_dataset_split_all": (c_int, [_H, c_int]),
    "emo_network_create_preset": (c_int, [c_char_p, c_int, P(_H)]),
    "emo_network_create_text": (c_int, [c_char_p, P(_H)]),
    "emo_network_load": (c_int, [c_char_p, P(_H)]),
    "emo_network_save": (c_int, [_H, c_char_p]),
    "emo_network_save_checkpoint": (c_int, [_H, c_char_p]),
    "emo_network_train_steps": (c_int64, [_H]),
    "emo_network_destroy": (None, [_H]),
    "emo_network_transfer": (c_int, [_H, _H, P(c_int)]),
    "emo_network_set_int": (c_int, [_H, c_int, c_int]),
    "emo_network_set_float": (c_int, [_H, c_int, c_double]),
    "emo_network_get_int": (c_int, [_H, c_int, P(c_int)]),
    "emo_network_get_float": (c_int, [_H, c_int, P(c_double)]),
    "emo_network_input_shape": (c_int, [_H, P(c_int), P(c_int), P(c_int)]),
    "emo_network_num_classes": (c_int, [_H]),
    "emo_network_class_name": (c_char_p, [_H, c_int]),
    "emo_network_set_class_names": (c_int, [_H, P(c_char_p), c_int]),
    "emo_network_num_params": (c_int64, [_H]),
    "emo_network_flops": (c_int64, [_H]),
    "emo_network_summary": (c_int, [_H, c_char_p, c_size_t]),
    "emo_network_get_text": (c_int, [_H, c_char_p, c_size_t]),
    "emo_network_get_param": (c_int, [_H, c_char_p, c_int, _fp, c_size_t]),
    "emo_network_set_param": (c_int, [_H, c_char_p, c_int, _fp, c_size_t]),
    "emo_network_set_layer_lr": (c_int, [_H, c_char_p, c_double, c_double]),
    "emo_network_forward": (c_int, [_H, _fp, c_int, _fp]),
    "emo_network_train_step": (c_int, [_H, _fp, P(c_int), c_int, c_double,
                                       _fp, P(c_double)]),
    "emo_network_train_step_soft": (c_int, [_H, _fp, _fp, c_int, c_double,
                                            _fp, P(c_double)]),
    "emo_network_store_preprocessing": (c_int, [_H, _H]),
    "emo_network_apply_preprocessing": (c_int, [_H, _H]),
    "emo_network_train": (c_int, [_H, _H, _H, PROGRESS_FN, c_void_p]),
    "emo_network_set_checkpoint": (c_int, [_H, c_char_p]),
    "emo_network_set_reducer": (c_int, [_H, REDUCER_FN, c_void_p]),
    "emo_network_add_correction": (c_int, [_H, _fp, c_size_t, c_int]),
    "emo_network_num_corrections": (c_int, [_H]),
    "emo_network_apply_corrections": (c_int, [_H, c_int, PROGRESS_FN,
                                              c_void_p]),
    "emo_predictor_create": (c_int, [_H, P(_H)]),
    "emo_predictor_destroy": (None, [_H]),
    "emo_predictor_preprocessor": (_H, [_H]),
    "emo_predictor_set_int": (c_int, [_H, c_int, c_int]),
    "emo_predictor_set_float": (c_int, [_H, c_int, c_double]),
    "emo_predictor_get_int": (c_int, [_H, c_int, P(c_int)]),
    "emo_predictor_get_float": (c_int, [_H, c_int, P(c_double)]),
    "emo_predictor_add_network": (c_int, [_H, _H]),
    "emo_predictor_num_networks": (c_int, [_H]),
    "emo_predictor_predict_face": (c_int, [_H, _fp, c_size_t,
                                           P(CPrediction)]),
    "emo_predictor_predict_frame": (c_int, [_H, c_void_p, c_int, c_int,
                                            c_int, P(CPrediction), c_int,
                                            P(c_int)]),
    "emo_predictor_predict_box": (c_int, [_H, c_void_p, c_int, c_int, c_int,
                                          P(Box), P(CPrediction)]),
}


def config(name):
    """A path `make install` recorded in _config.py (LIBRARY, MODEL);
    None for a package used from the source tree or installed by pip."""
    try:
        from . import _config
    except ImportError:
        return None
    return getattr(_config, name, None)


def _candidates():
    env = os.environ.get("EMO_LIBRARY")
    if env:
        yield env
        return  # an explicit choice must not silently fall back
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.normpath(os.path.join(here, "..", "..", "..", "build",
                                        "libemo.so.1"))
    installed = config("LIBRARY")
    if installed:
        yield installed
    found = ctypes.util.find_library("emo")
    if found:
        yield found
    yield "libemo.so.1"


def _load():
    errors = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            errors.append("%s: not found" % path)
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            errors.append(str(e))
    raise ImportError("libemo not found (set EMO_LIBRARY): " +
                      "; ".join(errors))


class _Lib:
    """The loaded library; attribute access binds a C function with its
    prototype on first use."""

    def __init__(self):
        self._dll, self.path = _load()

    def __getattr__(self, name):
        if name not in PROTOTYPES:
            raise AttributeError(name)
        try:
            fn = getattr(self._dll, name)
        except AttributeError:
            raise NotImplementedError("%s: this libemo (%s) lacks %s" %
                                      (self.path, self.version(), name))
        fn.restype, fn.argtypes = PROTOTYPES[name]
        setattr(self, name, fn)
        return fn

    def has(self, name):
        """True when the loaded library exports `name`."""
        return hasattr(self._dll, name)

    def version(self):
        """The library's version string, "?" if it has none."""
        try:
            return self.emo_version().decode()
        except NotImplementedError:
            return "?"


lib = _Lib()


class EmoError(Exception):
    """A libemo call failed.  code is the negative EMO_ERR_* status, name
    its emo_strerror() text, detail the thread's emo_last_error()."""

    def __init__(self, code, detail=""):
        self.code = code
        self.name = lib.emo_strerror(code).decode()
        self.detail = detail
        super().__init__("%s (%d): %s" % (self.name, code, detail)
                         if detail else "%s (%d)" % (self.name, code))


def check(rc):
    """Raises EmoError for a negative status; returns rc otherwise."""
    if rc < 0:
        raise EmoError(rc, lib.emo_last_error().decode(errors="replace"))
    return rc


def encode_path(path):
    """str / bytes / os.PathLike -> bytes for a const char * argument."""
    if path is None:
        return None
    return os.fsencode(path)
