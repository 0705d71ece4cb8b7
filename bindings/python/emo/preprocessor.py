"""emo.Preprocessor: face detection and normalisation."""
import ctypes

from ._lib import lib, check, encode_path, Box
from ._handle import Handle
from ._image import gray_pixels, float_input, float_output
from . import constants as C


class Preprocessor(Handle):
    """Wraps emo_preprocessor: cascade, detection options, face size, blur,
    mean image.  Preprocessor() creates one with default options."""

    _prefix = "emo_preprocessor"

    def __init__(self, _ptr=None, _owner=None):
        if _ptr is None:
            p = ctypes.c_void_p()
            check(lib.emo_preprocessor_create(ctypes.byref(p)))
            _ptr = p.value
        super().__init__(_ptr, _owner)

    def load_cascade(self, path=None):
        """Loads an OpenCV cascade XML file (None: the default one)."""
        check(lib.emo_preprocessor_load_cascade(self, encode_path(path)))

    @property
    def face_size(self):
        """N of the N x N normalised face."""
        return self.get_int(C.OPT_FACE_SIZE)

    def detect(self, image, max_boxes=64):
        """Boxes of the faces in a gray frame, best first (no retries)."""
        ptr, w, h, stride, keep = gray_pixels(image)
        boxes = (Box * max_boxes)()
        n = ctypes.c_int()
        check(lib.emo_preprocessor_detect(self, ptr, w, h, stride, boxes,
                                          max_boxes, ctypes.byref(n)))
        del keep
        return [Box(*b) for b in boxes[:min(n.value, max_boxes)]]

    def choose_face(self, image):
        """The face chosen by the policy, with retries; None if none."""
        ptr, w, h, stride, keep = gray_pixels(image)
        box = Box()
        rc = lib.emo_preprocessor_choose_face(self, ptr, w, h, stride,
                                              ctypes.byref(box))
        del keep
        if rc == C.ERR_NO_FACE:
            return None
        check(rc)
        return box

    def normalize(self, image, box=None):
        """The normalised N x N float face for `box` (None: whole frame)."""
        ptr, w, h, stride, keep = gray_pixels(image)
        n = self.face_size
        out, fp = float_output(n * n, (n, n))
        b = None if box is None else ctypes.byref(Box(*box))
        check(lib.emo_preprocessor_normalize(self, ptr, w, h, stride, b, fp,
                                             n * n))
        del keep
        return out

    def set_mean(self, mean):
        """Sets the N*N mean image (None clears it)."""
        if mean is None:
            check(lib.emo_preprocessor_set_mean(self, None, 0))
            return
        fp, n, keep = float_input(mean)
        check(lib.emo_preprocessor_set_mean(self, fp, n))
        del keep

    def get_mean(self):
        """The mean image (N*N floats), or None when none is set."""
        n = self.face_size
        out, fp = float_output(n * n, (n, n))
        rc = lib.emo_preprocessor_get_mean(self, fp, n * n)
        if rc == C.ERR_STATE:
            return None
        check(rc)
        return out

    def compute_mean(self, faces, count):
        """Sets the mean of `count` faces of N*N floats, packed."""
        fp, _, keep = float_input(faces)
        check(lib.emo_preprocessor_compute_mean(self, fp, count))
        del keep
