"""Dataset: a folder-per-class tree made by the test."""
import os
import unittest

import emo
from util import requires, tmpdir, without_numpy


@requires("emo_dataset_create", "emo_dataset_add_folder",
          "emo_image_save_png")
class DatasetTest(unittest.TestCase):
    def test_folder_tree(self):
        without_numpy(self)
        root = tmpdir(self)
        for cls in ("happy", "sad"):
            os.mkdir(os.path.join(root, cls))
            for i in range(3):
                img = emo.Image(bytearray([i * 40] * 48 * 48), 48, 48)
                emo.save_image(os.path.join(root, cls, "S%03d_001_%d.png" %
                                            (i + 1, i)), img)
        ds = emo.Dataset()
        ds.add_folder(root)
        self.assertEqual(len(ds), 6)
        self.assertEqual(ds.count(cls=emo.CLASS_HAPPY), 3)
        self.assertEqual(ds.skipped, 0)
        item = ds[0]
        self.assertIn(item.label, (emo.CLASS_HAPPY, emo.CLASS_SAD))
        self.assertTrue(item.path.endswith(".png"))
        img = ds.image(0)
        self.assertEqual((img.width, img.height), (48, 48))
        with self.assertRaises(IndexError):
            ds[6]
        with self.assertRaises(emo.EmoError):
            ds.add_folder(os.path.join(root, "missing"))


@requires("emo_dataset_class_name", "emo_dataset_left_out_folder",
          "emo_image_save_png")
class OwnClassesTest(unittest.TestCase):
    def test_left_out_and_folder_classes(self):
        without_numpy(self)
        root = tmpdir(self)
        for cls, n in (("happy", 2), ("bored", 3)):
            os.mkdir(os.path.join(root, cls))
            for i in range(n):
                img = emo.Image(bytearray([i * 40] * 48 * 48), 48, 48)
                emo.save_image(os.path.join(root, cls, "%d.png" % i), img)
        ds = emo.Dataset()
        ds.add_folder(root)
        self.assertEqual(ds.left_out, [("bored", 3)])
        self.assertEqual(ds.class_names[emo.CLASS_HAPPY], "happy")
        ds = emo.Dataset()
        ds.set_int(emo.OPT_DATA_FOLDER_CLASSES, 1)
        ds.add_folder(root)
        self.assertEqual(ds.left_out, [])
        self.assertEqual(ds.class_names, ["bored", "happy"])
        self.assertEqual(ds.count(cls=0), 3)


if __name__ == "__main__":
    unittest.main()
