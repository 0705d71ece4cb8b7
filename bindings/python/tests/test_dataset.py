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
        self.assertIsNone(ds.votes(0))
        self.assertEqual(ds.left_out(emo.LEFT_OUT_UNKNOWN_FOLDER), 0)

    @requires("emo_dataset_add_ferplus")
    def test_ferplus_votes(self):
        without_numpy(self)
        root = tmpdir(self)
        img = emo.Image(bytearray([90] * 48 * 48), 48, 48)
        for i in range(3):
            emo.save_image(os.path.join(root, "fer%d.png" % i), img)
        with open(os.path.join(root, "label.csv"), "w") as f:
            f.write('fer0.png,"(0, 0, 48, 48)",1,7,0,0,0,0,2,0,0,0\n'
                    'fer1.png,"(0, 0, 48, 48)",4,0,0,0,0,0,0,4,2,0\n'
                    'fer2.png,"(0, 0, 48, 48)",0,0,0,0,0,0,0,0,0,0\n')
        ds = emo.Dataset()
        ds.add_ferplus(root)
        self.assertEqual(len(ds), 1)
        self.assertEqual(ds[0].label, emo.CLASS_HAPPY)
        votes = ds.votes(0)
        self.assertEqual(votes[emo.CLASS_HAPPY], 7)
        self.assertEqual(votes[emo.CLASS_FEAR], 2)
        self.assertEqual(votes[emo.CLASS_NEUTRAL], 1)
        self.assertEqual(ds.left_out(emo.LEFT_OUT_NO_MAJORITY), 1)
        self.assertEqual(ds.left_out(emo.LEFT_OUT_NO_VOTES), 1)
        with open(os.path.join(root, "label.csv"), "w") as f:
            f.write('fer0.png,"(0, 0, 48, 48)",1,7\n')
        with self.assertRaises(emo.EmoError) as cm:
            emo.Dataset().add_ferplus(root)
        self.assertIn("label.csv:1:", str(cm.exception))


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
        self.assertEqual(ds.left_out_folders, [("bored", 3)])
        self.assertEqual(ds.class_names[emo.CLASS_HAPPY], "happy")
        ds = emo.Dataset()
        ds.set_int(emo.OPT_DATA_FOLDER_CLASSES, 1)
        ds.add_folder(root)
        self.assertEqual(ds.left_out_folders, [])
        self.assertEqual(ds.class_names, ["bored", "happy"])
        self.assertEqual(ds.count(cls=0), 3)


if __name__ == "__main__":
    unittest.main()
