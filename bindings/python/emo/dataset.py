"""emo.Dataset: labelled images, class map, subjects and splits."""
import ctypes
from collections import namedtuple

from ._lib import lib, check, encode_path
from ._handle import Handle
from ._image import _wrap_pixels
from . import constants as C

Item = namedtuple("Item", "path subject label split")


class Dataset(Handle):
    """Wraps emo_dataset.  Dataset(classes=7) creates an empty one."""

    _prefix = "emo_dataset"

    def __init__(self, classes=7):
        p = ctypes.c_void_p()
        check(lib.emo_dataset_create(ctypes.byref(p)))
        super().__init__(p.value)
        if classes != 7:
            self.set_int(C.OPT_DATA_CLASSES, classes)

    def add_ckplus(self, root):
        check(lib.emo_dataset_add_ckplus(self, encode_path(root)))

    def add_folder(self, root):
        check(lib.emo_dataset_add_folder(self, encode_path(root)))

    def add_jaffe(self, folder):
        check(lib.emo_dataset_add_jaffe(self, encode_path(folder)))

    def add_list(self, list_path, root=None):
        check(lib.emo_dataset_add_list(self, encode_path(list_path),
                                       encode_path(root)))

    def add_fer_csv(self, csv_path, usage=None):
        check(lib.emo_dataset_add_fer_csv(
            self, encode_path(csv_path), usage.encode() if usage else None))

    def add_ferplus(self, folder):
        """FER+ label.csv in folder, by the majority protocol."""
        check(lib.emo_dataset_add_ferplus(self, encode_path(folder)))

    def votes(self, i):
        """Item i's FER+ vote counts (EMO_CLASS_* order, then unknown and
        not-a-face), or None when it has none."""
        v = (ctypes.c_int * C.FERPLUS_VOTES)()
        n = check(lib.emo_dataset_item_votes(self, i, v, C.FERPLUS_VOTES))
        return list(v) if n else None

    def left_out(self, reason):
        """Images the sources left out for reason (LEFT_OUT_*)."""
        return check(lib.emo_dataset_left_out(self, reason))

    def count(self, split=C.SPLIT_ALL, cls=-1):
        return check(lib.emo_dataset_count(self, split, cls))

    def __len__(self):
        return self.count()

    @property
    def skipped(self):
        return check(lib.emo_dataset_skipped(self))

    @property
    def num_classes(self):
        return check(lib.emo_dataset_num_classes(self))

    @property
    def class_names(self):
        """The class names, in label order (folder names with
        OPT_DATA_FOLDER_CLASSES = 1)."""
        return [lib.emo_dataset_class_name(self, c).decode()
                for c in range(self.num_classes)]

    @property
    def left_out_folders(self):
        """[(folder name, image files)] the folder sources left out."""
        out, name = [], ctypes.c_char_p()
        while True:
            n = lib.emo_dataset_left_out_folder(self, len(out),
                                                ctypes.byref(name))
            if n < 0:
                return out
            out.append((name.value.decode(), n))

    def item(self, i):
        """Item(path, subject, label, split) of item i."""
        if not 0 <= i < len(self):
            raise IndexError(i)
        return Item(lib.emo_dataset_item_path(self, i).decode(),
                    lib.emo_dataset_item_subject(self, i).decode(),
                    check(lib.emo_dataset_item_label(self, i)),
                    lib.emo_dataset_item_split(self, i))

    def __getitem__(self, i):
        return self.item(i)

    def image(self, i):
        """Item i decoded to gray."""
        px = ctypes.POINTER(ctypes.c_uint8)()
        w, h = ctypes.c_int(), ctypes.c_int()
        check(lib.emo_dataset_item_image(self, i, ctypes.byref(px),
                                         ctypes.byref(w), ctypes.byref(h)))
        return _wrap_pixels(px, w.value, h.value, 1)

    def split_random(self, train=0.7, val=0.1, test=0.2, seed=1):
        check(lib.emo_dataset_split_random(self, train, val, test, seed))

    def split_subjects(self, k, test_fold, with_val=True, seed=1):
        check(lib.emo_dataset_split_subjects(self, k, test_fold,
                                             1 if with_val else 0, seed))

    def split_all(self, split):
        check(lib.emo_dataset_split_all(self, split))
