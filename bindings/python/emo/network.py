"""emo.Network: layer graph and weights; load, save, forward, training."""
import ctypes

from ._lib import lib, check, encode_path, PROGRESS_FN, REDUCER_FN
from .constants import REDUCE_F64
from ._handle import Handle
from ._image import float_input, float_output


class _Progress:
    """Adapts a Python callable(stage, done, total, metrics) to the C
    callback; a true return value or an exception stops training (the
    exception is raised again once the C call returns)."""

    def __init__(self, fn):
        self.fn = fn
        self.error = None
        self.c_fn = PROGRESS_FN(self._call) if fn else PROGRESS_FN()

    def _call(self, user, stage, done, total, metrics, n):
        try:
            return 1 if self.fn(stage, done, total,
                                [metrics[i] for i in range(n)]) else 0
        except BaseException as e:  # noqa: B902 - re-raised below
            self.error = e
            return 1

    def finish(self, rc):
        if self.error is not None:
            raise self.error
        check(rc)


class Network(Handle):
    """Wraps emo_network.  Build with Network.preset(), Network.from_text()
    or Network.load()."""

    _prefix = "emo_network"

    @classmethod
    def _make(cls, fn, *args):
        p = ctypes.c_void_p()
        check(fn(*args, ctypes.byref(p)))
        return cls(p.value)

    @classmethod
    def preset(cls, name="default", num_classes=0):
        """Fresh weights from a preset: default, lenet, caffenet, alexnet."""
        return cls._make(lib.emo_network_create_preset, name.encode(),
                         num_classes)

    @classmethod
    def from_text(cls, text):
        """A network from the network text format."""
        return cls._make(lib.emo_network_create_text, text.encode())

    @classmethod
    def load(cls, path):
        """Loads a model file."""
        return cls._make(lib.emo_network_load, encode_path(path))

    def save(self, path):
        check(lib.emo_network_save(self, encode_path(path)))

    def save_checkpoint(self, path):
        """Saves the model with its momentum and step count
        (emo_network_save_checkpoint): Network.load of it steps on
        exactly where this network is."""
        check(lib.emo_network_save_checkpoint(self, encode_path(path)))

    @property
    def train_steps(self):
        """Training steps taken (restored from a checkpoint)."""
        return check(lib.emo_network_train_steps(self))

    def transfer(self, src):
        """Copies matching layers' weights from src; returns how many."""
        n = ctypes.c_int()
        check(lib.emo_network_transfer(self, src, ctypes.byref(n)))
        return n.value

    @property
    def input_shape(self):
        """(channels, height, width) of one input."""
        c, h, w = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        check(lib.emo_network_input_shape(self, ctypes.byref(c),
                                          ctypes.byref(h), ctypes.byref(w)))
        return c.value, h.value, w.value

    @property
    def num_classes(self):
        return check(lib.emo_network_num_classes(self))

    @property
    def class_names(self):
        return [lib.emo_network_class_name(self, i).decode()
                for i in range(self.num_classes)]

    @class_names.setter
    def class_names(self, names):
        arr = (ctypes.c_char_p * len(names))(*[n.encode() for n in names])
        check(lib.emo_network_set_class_names(self, arr, len(names)))

    @property
    def num_params(self):
        return lib.emo_network_num_params(self)

    @property
    def flops(self):
        return lib.emo_network_flops(self)

    def summary(self):
        """Layers, shapes, parameters and FLOPs as text."""
        need = check(lib.emo_network_summary(self, None, 0))
        buf = ctypes.create_string_buffer(need + 1)
        check(lib.emo_network_summary(self, buf, need + 1))
        return buf.value.decode()

    @property
    def text(self):
        """The network text the network was built from."""
        need = check(lib.emo_network_get_text(self, None, 0))
        buf = ctypes.create_string_buffer(need + 1)
        check(lib.emo_network_get_text(self, buf, need + 1))
        return buf.value.decode()

    def get_param(self, layer, index):
        """Parameter `index` of `layer` (conv/fc: 0 weights, 1 bias; bn: 0
        gamma, 1 beta, 2 running mean, 3 running variance), flat."""
        n = check(lib.emo_network_get_param(self, layer.encode(), index,
                                            None, 0))
        out, fp = float_output(n)
        check(lib.emo_network_get_param(self, layer.encode(), index, fp, n))
        return out

    def set_param(self, layer, index, values):
        """Replaces a parameter; values must have exactly its size."""
        fp, n, keep = float_input(values)
        check(lib.emo_network_set_param(self, layer.encode(), index, fp, n))
        del keep

    def set_layer_lr(self, layer, lr_mult, decay_mult=1.0):
        check(lib.emo_network_set_layer_lr(self, layer.encode(), lr_mult,
                                           decay_mult))

    def _input_size(self):
        c, h, w = self.input_shape
        return c * h * w

    def forward(self, batch, count=None):
        """Class probabilities (count x classes) of `count` inputs of
        C*H*W floats; count defaults to len(batch) / (C*H*W)."""
        fp, n, keep = float_input(batch)
        per = self._input_size()
        if count is None:
            count = n // per
        if count < 1 or count * per != n:
            raise ValueError("forward: %d floats is not a whole batch of "
                             "%d-float inputs" % (n, per))
        k = self.num_classes
        out, op = float_output(count * k, (count, k))
        check(lib.emo_network_forward(self, fp, count, op))
        del keep
        return out

    def train_step(self, batch, labels, lr, class_weights=None):
        """One SGD step; returns the mean loss."""
        fp, n, keep = float_input(batch)
        lab = (ctypes.c_int * len(labels))(*[int(x) for x in labels])
        wp, _, wkeep = (float_input(class_weights) if class_weights
                        is not None else (None, 0, None))
        loss = ctypes.c_double()
        rc = lib.emo_network_train_step(self, fp, lab, len(labels), lr, wp,
                                        ctypes.byref(loss))
        del keep, wkeep
        err, self._reducer_error = getattr(self, "_reducer_error", None), None
        if err is not None:
            raise err
        check(rc)
        return loss.value

    def train_step_soft(self, batch, targets, lr, class_weights=None):
        """One SGD step against soft targets (emo_network_train_step_soft):
        targets has one row per face, a distribution over the classes
        (e.g. normalised tagger votes); returns the mean loss."""
        fp, n, keep = float_input(batch)
        tp, tn, tkeep = float_input(targets)
        k = self.num_classes
        if tn % k:
            raise ValueError("targets hold %d values, not rows of %d" % (tn, k))
        wp, _, wkeep = (float_input(class_weights) if class_weights
                        is not None else (None, 0, None))
        loss = ctypes.c_double()
        rc = lib.emo_network_train_step_soft(self, fp, tp, tn // k, lr, wp,
                                             ctypes.byref(loss))
        del keep, tkeep, wkeep
        err, self._reducer_error = getattr(self, "_reducer_error", None), None
        if err is not None:
            raise err
        check(rc)
        return loss.value

    def set_reducer(self, fn):
        """Data-parallel training (emo_network_set_reducer): every training
        step calls fn(what, values), values a ctypes float or double array
        to be replaced in place by its elementwise sum over all processes,
        e.g. with mpi4py and numpy:
            comm.Allreduce(MPI.IN_PLACE, numpy.ctypeslib.as_array(values))
        fn None removes it.  An exception in fn fails the step; it is
        raised again from train_step."""
        self._reducer_error = None
        if fn is None:
            self._reducer = None
            check(lib.emo_network_set_reducer(self, REDUCER_FN(), None))
            return

        def call(user, what, type_, data, count):
            try:
                ct = ctypes.c_double if type_ == REDUCE_F64 else ctypes.c_float
                fn(what, (ct * count).from_address(data))
                return 0
            except BaseException as e:  # noqa: B902 - re-raised below
                self._reducer_error = e
                return 1
        self._reducer = REDUCER_FN(call)
        check(lib.emo_network_set_reducer(self, self._reducer, None))

    def store_preprocessing(self, pp):
        check(lib.emo_network_store_preprocessing(self, pp))

    def apply_preprocessing(self, pp):
        check(lib.emo_network_apply_preprocessing(self, pp))

    def set_checkpoint(self, path):
        check(lib.emo_network_set_checkpoint(self, encode_path(path)))

    def train(self, dataset, pp, progress=None):
        """Trains on dataset's training split; progress(stage, done, total,
        metrics) may return True to stop (EmoError ERR_CANCELLED)."""
        p = _Progress(progress)
        p.finish(lib.emo_network_train(self, dataset, pp, p.c_fn, None))

    def add_correction(self, face, label):
        fp, n, keep = float_input(face)
        check(lib.emo_network_add_correction(self, fp, n, int(label)))
        del keep

    @property
    def num_corrections(self):
        return check(lib.emo_network_num_corrections(self))

    def apply_corrections(self, steps, progress=None):
        p = _Progress(progress)
        p.finish(lib.emo_network_apply_corrections(self, steps, p.c_fn,
                                                   None))

