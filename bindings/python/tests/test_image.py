"""Image loading, saving, and the numpy / no-numpy paths."""
import os
import unittest

import emo
from util import ASTRONAUT, np, requires, tmpdir, without_numpy


@requires("emo_image_load")
class ImageTest(unittest.TestCase):
    @unittest.skipIf(np is None, "numpy not importable")
    def test_load_numpy(self):
        img = emo.load_image(ASTRONAUT)
        self.assertEqual(img.shape, (512, 512))
        self.assertEqual(img.dtype, np.uint8)
        rgb = emo.load_image(ASTRONAUT, channels=3)
        self.assertEqual(rgb.shape, (512, 512, 3))

    def test_load_without_numpy(self):
        without_numpy(self)
        img = emo.load_image(ASTRONAUT)
        self.assertIsInstance(img, emo.Image)
        self.assertEqual((img.width, img.height), (512, 512))
        self.assertEqual(len(img.data), 512 * 512)

    def test_bad_file(self):
        d = tmpdir(self)
        path = os.path.join(d, "bad.png")
        with open(path, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n truncated")
        with self.assertRaises(emo.EmoError) as cm:
            emo.load_image(path)
        self.assertIn("bad.png", cm.exception.detail)
        with self.assertRaises(emo.EmoError) as cm:
            emo.load_image(os.path.join(d, "missing.png"))
        self.assertEqual(cm.exception.code, emo.ERR_IO)

    @requires("emo_image_save_png")
    def test_roundtrip(self):
        without_numpy(self)
        img = emo.Image(bytearray(range(256)) * 4, 32, 32)
        path = os.path.join(tmpdir(self), "x.png")
        emo.save_image(path, img)
        back = emo.load_image(path)
        self.assertEqual(bytes(back.data), bytes(img.data))
        with open(path, "rb") as f:
            self.assertEqual(bytes(emo.decode_image(f.read()).data),
                             bytes(img.data))


if __name__ == "__main__":
    unittest.main()
