"""emo.Predictor: faces and emotions with augmentation voting."""
import ctypes

from ._lib import lib, check, CPrediction, Box
from ._handle import Handle
from ._image import gray_pixels, float_input
from .preprocessor import Preprocessor
from . import constants as C


class Prediction:
    """One face: box (x, y, w, h), label (class index), label_name,
    scores (probabilities averaged over views, one per class), class_names,
    view_labels (the label each view voted for)."""

    def __init__(self, c, class_names):
        self.box = Box(*c.box)
        self.label = c.label
        self.class_names = class_names
        self.label_name = class_names[c.label]
        self.scores = [c.scores[i] for i in range(c.num_classes)]
        self.view_labels = [c.view_labels[i] for i in range(c.num_views)]

    @property
    def scores_by_name(self):
        return dict(zip(self.class_names, self.scores))

    def to_json(self):
        """The face object of emo-detect's JSON output, as a dict."""
        d = dict(zip("xywh", tuple(self.box)))
        d["label"] = self.label_name
        d["scores"] = {n: round(s, 4) for n, s in self.scores_by_name.items()}
        return d

    def __repr__(self):
        return "Prediction(%r, %s, %.3f)" % (self.box, self.label_name,
                                             self.scores[self.label])


class Predictor(Handle):
    """Wraps emo_predictor on a Network (kept alive by the predictor).
    One predictor per thread; many may share one network."""

    _prefix = "emo_predictor"

    def __init__(self, network):
        p = ctypes.c_void_p()
        check(lib.emo_predictor_create(network, ctypes.byref(p)))
        super().__init__(p.value)
        self.network = network
        self.ensemble = [network]
        self._names = network.class_names
        self._buf = (CPrediction * 64)()

    def add_network(self, network):
        """Adds a network to the ensemble (kept alive by the predictor):
        each view's probabilities are averaged over the networks."""
        check(lib.emo_predictor_add_network(self, network))
        self.ensemble.append(network)

    @property
    def num_networks(self):
        return lib.emo_predictor_num_networks(self)

    @property
    def preprocessor(self):
        """The predictor's own preprocessor (borrowed from it)."""
        return Preprocessor(_ptr=lib.emo_predictor_preprocessor(self),
                            _owner=self)

    @property
    def views(self):
        """Number of augmentation views: 1 original, 2 + mirror,
        3 + rotation one way, 4 + the other way, 5-6 + the mirror's
        rotations, 7-8 + the face and its mirror enlarged."""
        return bin(self.get_int(C.OPT_PREDICT_VIEWS)).count("1")

    @views.setter
    def views(self, n):
        if not 1 <= n <= C.MAX_VIEWS:
            raise ValueError("views: 1..%d, not %r" % (C.MAX_VIEWS, n))
        self.set_int(C.OPT_PREDICT_VIEWS, (1 << n) - 1)

    @property
    def vote(self):
        """How views become one label: "majority" (the paper's rule) or
        "mean" (highest mean probability)."""
        return ("majority", "mean")[self.get_int(C.OPT_PREDICT_VOTE)]

    @vote.setter
    def vote(self, rule):
        rules = {"majority": C.VOTE_MAJORITY, "mean": C.VOTE_MEAN}
        if rule not in rules:
            raise ValueError("vote: 'majority' or 'mean', not %r" % (rule,))
        self.set_int(C.OPT_PREDICT_VOTE, rules[rule])

    def predict_face(self, face):
        """Classifies one normalised face (N*N floats)."""
        fp, n, keep = float_input(face)
        out = CPrediction()
        check(lib.emo_predictor_predict_face(self, fp, n,
                                             ctypes.byref(out)))
        del keep
        return Prediction(out, self._names)

    def predict_box(self, image, box=None):
        """Classifies the one face at `box` (x, y, w, h; None: the whole
        frame is the face) of a gray frame, without detection; the views
        are made from the raw crop as training augmented."""
        ptr, w, h, stride, keep = gray_pixels(image)
        b = None if box is None else ctypes.byref(Box(*box))
        out = CPrediction()
        check(lib.emo_predictor_predict_box(self, ptr, w, h, stride, b,
                                            ctypes.byref(out)))
        del keep
        return Prediction(out, self._names)

    def predict_frame(self, image, max_faces=64):
        """Finds the faces of a gray frame and classifies each; [] if none."""
        ptr, w, h, stride, keep = gray_pixels(image)
        if max_faces > len(self._buf):
            self._buf = (CPrediction * max_faces)()
        n = ctypes.c_int()
        check(lib.emo_predictor_predict_frame(self, ptr, w, h, stride,
                                              self._buf, max_faces,
                                              ctypes.byref(n)))
        del keep
        return [Prediction(self._buf[i], self._names)
                for i in range(min(n.value, max_faces))]
