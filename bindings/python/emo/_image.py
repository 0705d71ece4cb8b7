"""Images and float buffers between Python and C.

A gray frame may be a numpy uint8 array of shape (height, width) (any row
stride, columns contiguous), an emo.Image, or a (data, width, height)
tuple of bytes-like data.  Float inputs may be numpy float32 arrays or any
sequence of numbers; float outputs are numpy arrays when numpy is
importable, array.array('f') otherwise.
"""
import array
import ctypes

try:
    import numpy as np
except ImportError:  # numpy is optional
    np = None

from ._lib import lib, check, encode_path

_fp = ctypes.POINTER(ctypes.c_float)


class Image:
    """A tightly packed 8-bit image without numpy: width, height,
    channels (1 gray, 3 RGB) and data (bytearray, row after row)."""

    def __init__(self, data, width, height, channels=1):
        if len(data) < width * height * channels:
            raise ValueError("Image: %d bytes for %dx%dx%d" %
                             (len(data), width, height, channels))
        self.data = data
        self.width = width
        self.height = height
        self.channels = channels

    @property
    def stride(self):
        return self.width * self.channels

    def __repr__(self):
        return "Image(%dx%d, %d channel(s))" % (self.width, self.height,
                                                self.channels)


def _wrap_pixels(ptr, width, height, channels):
    """Copies libemo-allocated pixels into Python memory and frees them."""
    n = width * height * channels
    try:
        data = bytearray(ctypes.string_at(ptr, n))
    finally:
        lib.emo_free(ptr)
    if np is not None:
        arr = np.frombuffer(data, dtype=np.uint8)
        shape = (height, width) if channels == 1 else (height, width,
                                                         channels)
        return arr.reshape(shape)
    return Image(data, width, height, channels)


def load_image(path, channels=1):
    """Decodes a JPEG, PNG or PGM file to gray (channels=1) or RGB (3)."""
    px = ctypes.POINTER(ctypes.c_uint8)()
    w, h = ctypes.c_int(), ctypes.c_int()
    check(lib.emo_image_load(encode_path(path), channels, ctypes.byref(px),
                             ctypes.byref(w), ctypes.byref(h)))
    return _wrap_pixels(px, w.value, h.value, channels)


def decode_image(data, channels=1):
    """Decodes JPEG, PNG or PGM bytes, as load_image."""
    buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
    px = ctypes.POINTER(ctypes.c_uint8)()
    w, h = ctypes.c_int(), ctypes.c_int()
    check(lib.emo_image_decode(buf, len(data), channels, ctypes.byref(px),
                               ctypes.byref(w), ctypes.byref(h)))
    return _wrap_pixels(px, w.value, h.value, channels)


def save_image(path, image, quality=None):
    """Writes a gray or RGB image as PNG, or as JPEG when quality (1..100)
    is given or the name ends in .jpg/.jpeg."""
    ptr, w, h, stride, ch, keep = _pixels(image, allow_rgb=True)
    p = encode_path(path)
    if quality is None and p.lower().endswith((b".jpg", b".jpeg")):
        quality = 90
    if quality is None:
        check(lib.emo_image_save_png(p, ptr, w, h, stride, ch))
    else:
        check(lib.emo_image_save_jpeg(p, ptr, w, h, stride, ch, quality))
    del keep


def _pixels(image, allow_rgb=False):
    """(pointer, width, height, stride, channels, keepalive) of an image."""
    if np is not None and isinstance(image, np.ndarray):
        arr = image
        if arr.dtype != np.uint8:
            raise TypeError("image: need uint8 pixels, not %s" % arr.dtype)
        if arr.ndim == 3 and arr.shape[2] == 1:
            arr = arr[:, :, 0]
        ch = 1 if arr.ndim == 2 else (arr.shape[2] if arr.ndim == 3 else 0)
        if ch not in (1, 3) or (ch == 3 and not allow_rgb):
            raise ValueError("image: need a gray (height, width) array, "
                             "not shape %s" % (arr.shape,))
        if arr.strides[-1] != 1 or (ch == 3 and arr.strides[1] != 3) or \
                arr.strides[0] <= 0:
            arr = np.ascontiguousarray(arr)
        return (arr.ctypes.data, arr.shape[1], arr.shape[0], arr.strides[0],
                ch, arr)
    if isinstance(image, Image):
        data, w, h, ch = image.data, image.width, image.height, image.channels
    elif isinstance(image, tuple) and len(image) == 3:
        (data, w, h), ch = image, 1
    else:
        raise TypeError("image: need a numpy uint8 array, an emo.Image or "
                        "(data, width, height)")
    if ch != 1 and not allow_rgb:
        raise ValueError("image: need a gray image, not %d channels" % ch)
    if len(data) < w * h * ch:
        raise ValueError("image: %d bytes for %dx%d" % (len(data), w, h))
    buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
    return ctypes.addressof(buf), w, h, w * ch, ch, buf


def gray_pixels(image):
    """(pointer, width, height, stride, keepalive) of a gray frame."""
    ptr, w, h, stride, _, keep = _pixels(image)
    return ptr, w, h, stride, keep


def float_input(values, n=None):
    """(float pointer, count, keepalive) for a float sequence or array."""
    if np is not None and isinstance(values, np.ndarray):
        arr = np.ascontiguousarray(values, dtype=np.float32)
        return arr.ctypes.data_as(_fp), arr.size, arr
    arr = array.array("f", values)
    if n is not None and len(arr) != n:
        raise ValueError("need %d floats, got %d" % (n, len(arr)))
    addr, count = arr.buffer_info()
    return ctypes.cast(addr, _fp), count, arr


def float_output(n, shape=None):
    """(result object, float pointer) for n floats the C side writes."""
    if np is not None:
        arr = np.zeros(n, dtype=np.float32)
        if shape is not None:
            arr = arr.reshape(shape)
        return arr, arr.ctypes.data_as(_fp)
    arr = array.array("f", bytes(4 * n))
    return arr, ctypes.cast(arr.buffer_info()[0], _fp)
