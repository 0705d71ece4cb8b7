"""The base of the handle classes: ownership of the C pointer and the
set/get option calls every handle has."""
import ctypes

from ._lib import lib, check


class Handle:
    """Owns one opaque libemo handle; close() or garbage collection
    destroys it.  Subclasses set _prefix ("emo_network", ...)."""

    _prefix = None

    def __init__(self, ptr, owner=None):
        self._ptr = ptr
        # A borrowed handle (owner not None) keeps its owner alive and is
        # never destroyed here.
        self._owner = owner

    @property
    def _as_parameter_(self):
        if not self._ptr:
            raise ValueError("%s is closed" % type(self).__name__)
        return self._ptr

    def close(self):
        """Destroys the C handle now (idempotent)."""
        if self._ptr and self._owner is None:
            getattr(lib, self._prefix + "_destroy")(self._ptr)
        self._ptr = None

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def set_int(self, option, value):
        check(getattr(lib, self._prefix + "_set_int")(self, option,
                                                      int(value)))

    def set_float(self, option, value):
        check(getattr(lib, self._prefix + "_set_float")(self, option,
                                                        float(value)))

    def get_int(self, option):
        v = ctypes.c_int()
        check(getattr(lib, self._prefix + "_get_int")(self, option,
                                                      ctypes.byref(v)))
        return v.value

    def get_float(self, option):
        v = ctypes.c_double()
        check(getattr(lib, self._prefix + "_get_float")(self, option,
                                                        ctypes.byref(v)))
        return v.value

    def set(self, option, value):
        """Sets an option: set_int for Python ints, set_float otherwise."""
        if isinstance(value, int):
            self.set_int(option, value)
        else:
            self.set_float(option, value)

    def get(self, option):
        """An option's value, as int when it is integral."""
        v = self.get_float(option)
        return int(v) if v == int(v) else v
