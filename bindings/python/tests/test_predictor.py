"""Predictor: voting results, views, frames, shared network."""
import threading
import unittest

import emo
from util import ASTRONAUT, np, requires, without_numpy


@requires("emo_predictor_create", "emo_network_create_preset",
          "emo_preprocessor_create", "emo_image_load")
class PredictorTest(unittest.TestCase):
    def setUp(self):
        self.net = emo.Network.preset("default")
        self.pred = emo.Predictor(self.net)

    def test_views_option(self):
        self.assertEqual(self.pred.views, 4)
        self.pred.views = 1
        self.assertEqual(self.pred.get_int(emo.OPT_PREDICT_VIEWS),
                         emo.VIEW_ORIGINAL)
        with self.assertRaises(ValueError):
            self.pred.views = 0
        self.pred.views = 8
        self.assertEqual(self.pred.get_int(emo.OPT_PREDICT_VIEWS), 255)
        with self.assertRaises(ValueError):
            self.pred.views = 9
        with self.assertRaises(emo.EmoError) as cm:
            self.pred.set_int(emo.OPT_PREDICT_VIEWS, 256)
        self.assertEqual(cm.exception.code, emo.ERR_RANGE)

    def test_ensemble(self):
        without_numpy(self)
        n = self.pred.preprocessor.face_size
        face = [((i * 37) % 101) / 100.0 - 0.5 for i in range(n * n)]
        other = emo.Network.preset("default")
        other.set_param("fc", 1, [0.0] * 6 + [5.0])  # bias towards surprise
        self.pred.views = 1
        a = self.pred.predict_face(face).scores
        single = emo.Predictor(other)
        single.views = 1
        b = single.predict_face(face).scores
        self.pred.add_network(other)
        self.assertEqual(self.pred.num_networks, 2)
        both = self.pred.predict_face(face).scores
        for x, y, z in zip(a, b, both):
            self.assertAlmostEqual(z, (x + y) / 2, places=5)
        with self.assertRaises(emo.EmoError) as cm:
            self.pred.add_network(emo.Network.preset("default", 8))
        self.assertEqual(cm.exception.code, emo.ERR_MISMATCH)

    def test_vote_option(self):
        self.assertEqual(self.pred.vote, "majority")
        self.pred.vote = "mean"
        self.assertEqual(self.pred.get_int(emo.OPT_PREDICT_VOTE),
                         emo.VOTE_MEAN)
        with self.assertRaises(ValueError):
            self.pred.vote = "median"

    def test_predict_face(self):
        without_numpy(self)
        n = self.pred.preprocessor.face_size
        p = self.pred.predict_face([0.0] * (n * n))
        self.assertEqual(len(p.scores), self.net.num_classes)
        self.assertEqual(len(p.view_labels), 4)
        self.assertAlmostEqual(sum(p.scores), 1.0, places=4)
        self.assertEqual(p.label_name, self.net.class_names[p.label])
        with self.assertRaises(emo.EmoError) as cm:
            self.pred.predict_face([0.0] * 10)
        self.assertEqual(cm.exception.code, emo.ERR_MISMATCH)

    def test_predict_frame(self):
        img = emo.load_image(ASTRONAUT)
        faces = self.pred.predict_frame(img)
        self.assertEqual(len(faces), 1)
        d = faces[0].to_json()
        self.assertEqual(set(d), {"x", "y", "w", "h", "label", "scores"})
        self.assertEqual(set(d["scores"]), set(self.net.class_names))

    def test_predict_box(self):
        img = emo.load_image(ASTRONAUT)
        face = self.pred.predict_frame(img)[0]
        at = self.pred.predict_box(img, tuple(face.box))
        self.assertEqual(tuple(at.box), tuple(face.box))
        self.assertEqual(at.scores, face.scores)
        self.assertEqual(len(at.view_labels), 4)
        # One view: the normalised face, classified.
        self.pred.views = 1
        one = self.pred.predict_box(img, tuple(face.box))
        norm = self.pred.preprocessor.normalize(img, tuple(face.box))
        self.assertEqual(one.scores, self.pred.predict_face(norm).scores)
        w, h = (img.shape[1], img.shape[0]) if np is not None and \
            isinstance(img, np.ndarray) else (img.width, img.height)
        whole = self.pred.predict_box(img)
        self.assertEqual(tuple(whole.box), (0, 0, w, h))
        with self.assertRaises(emo.EmoError) as cm:
            self.pred.predict_box(img, (w, 0, 10, 10))
        self.assertEqual(cm.exception.code, emo.ERR_INVALID_ARG)

    @unittest.skipIf(np is None, "numpy not importable")
    def test_threads_share_network(self):
        img = emo.load_image(ASTRONAUT)
        want = self.pred.predict_frame(img)[0].scores
        got = [None] * 3

        def run(i):
            got[i] = emo.Predictor(self.net).predict_frame(img)[0].scores

        ts = [threading.Thread(target=run, args=(i,)) for i in range(3)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        for g in got:
            self.assertEqual(g, want)


if __name__ == "__main__":
    unittest.main()
