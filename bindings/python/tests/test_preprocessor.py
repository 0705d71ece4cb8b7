"""Preprocessor: options, detection on the sample photograph, faces."""
import unittest

import emo
from util import ASTRONAUT, np, requires, without_numpy


@requires("emo_preprocessor_create", "emo_image_load")
class PreprocessorTest(unittest.TestCase):
    def setUp(self):
        self.pp = emo.Preprocessor()
        self.addCleanup(self.pp.close)

    def test_options(self):
        self.assertEqual(self.pp.face_size, 48)
        self.pp.set(emo.OPT_FACE_SIZE, 64)
        self.assertEqual(self.pp.get(emo.OPT_FACE_SIZE), 64)
        self.pp.set(emo.OPT_DETECT_SCALE_FACTOR, 1.2)
        self.assertAlmostEqual(self.pp.get(emo.OPT_DETECT_SCALE_FACTOR), 1.2)
        with self.assertRaises(emo.EmoError) as cm:
            self.pp.set(emo.OPT_FACE_SIZE, 4)
        self.assertEqual(cm.exception.code, emo.ERR_RANGE)
        with self.assertRaises(emo.EmoError):
            self.pp.set(emo.OPT_PREDICT_VIEWS, 1)  # not a detect option

    def test_detect_one_face(self):
        boxes = self.pp.detect(emo.load_image(ASTRONAUT))
        self.assertEqual(len(boxes), 1)
        x, y, w, h = boxes[0]
        # Eileen Collins' face is in the upper middle of the photograph.
        self.assertTrue(100 < x < 250 and 30 < y < 150 and 60 < w < 200,
                        boxes[0])
        self.assertEqual(self.pp.choose_face(emo.load_image(ASTRONAUT)),
                         boxes[0])

    def test_no_face(self):
        without_numpy(self)
        blank = emo.Image(bytearray(200 * 100), 200, 100)
        self.assertEqual(self.pp.detect(blank), [])
        self.assertIsNone(self.pp.choose_face(blank))

    @unittest.skipIf(np is None, "numpy not importable")
    def test_normalize_and_strided_input(self):
        img = emo.load_image(ASTRONAUT)
        box = self.pp.detect(img)[0]
        face = self.pp.normalize(img, box)
        self.assertEqual(face.shape, (48, 48))
        self.assertEqual(face.dtype, np.float32)
        # A view with a row stride larger than its width gives the same.
        x, y, w, h = box
        crop = img[y:y + h, x:x + w]
        self.assertNotEqual(crop.strides[0], w)
        same = self.pp.normalize(crop)
        self.assertLess(float(abs(same - face).max()), 1e-5)

    @unittest.skipIf(np is None, "numpy not importable")
    def test_mean(self):
        self.assertIsNone(self.pp.get_mean())
        mean = np.full((48, 48), 0.25, dtype=np.float32)
        self.pp.set_mean(mean)
        self.assertTrue(np.array_equal(self.pp.get_mean(), mean))
        with self.assertRaises(emo.EmoError) as cm:
            self.pp.set_mean(np.zeros(10, dtype=np.float32))
        self.assertEqual(cm.exception.code, emo.ERR_MISMATCH)
        self.pp.set_mean(None)
        self.assertIsNone(self.pp.get_mean())

    def test_bad_image_type(self):
        with self.assertRaises(TypeError):
            self.pp.detect("not an image")


if __name__ == "__main__":
    unittest.main()
