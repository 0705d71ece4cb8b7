"""Network: presets, forward, save/load, errors."""
import os
import unittest

import emo
from util import np, requires, tmpdir, without_numpy


@requires("emo_network_create_preset", "emo_network_forward")
class NetworkTest(unittest.TestCase):
    def setUp(self):
        self.net = emo.Network.preset("lenet")
        self.addCleanup(self.net.close)

    def test_shape_and_classes(self):
        c, h, w = self.net.input_shape
        self.assertEqual(c, 1)
        self.assertEqual(self.net.num_classes, 7)
        self.assertEqual(len(self.net.class_names), 7)
        self.assertGreater(self.net.num_params, 0)
        self.assertGreater(self.net.flops, 0)
        self.assertIn("conv", self.net.summary().lower())

    def test_forward_sums_to_one(self):
        without_numpy(self)
        c, h, w = self.net.input_shape
        probs = self.net.forward([0.1] * (2 * c * h * w))
        self.assertEqual(len(probs), 2 * 7)
        for b in range(2):
            self.assertAlmostEqual(sum(probs[b * 7:(b + 1) * 7]), 1.0,
                                   places=4)
        with self.assertRaises(ValueError):
            self.net.forward([0.0] * 5)

    @unittest.skipIf(np is None, "numpy not importable")
    @requires("emo_network_save", "emo_network_load")
    def test_save_load_same_output(self):
        c, h, w = self.net.input_shape
        x = np.random.default_rng(1).random((3, c, h, w), dtype=np.float32)
        path = os.path.join(tmpdir(self), "m.emo")
        self.net.save(path)
        other = emo.Network.load(path)
        self.assertEqual(other.class_names, self.net.class_names)
        self.assertTrue(np.allclose(other.forward(x), self.net.forward(x),
                                    atol=1e-6))
        with self.assertRaises(emo.EmoError):
            emo.Network.load(os.path.join(tmpdir(self), "none.emo"))

    @requires("emo_network_get_text", "emo_network_get_param",
              "emo_network_set_param")
    def test_text_and_params(self):
        without_numpy(self)
        self.assertIn("[conv1]", self.net.text)
        bias = self.net.get_param("conv1", 1)
        self.assertEqual(len(bias), 20)
        self.net.set_param("conv1", 1, [0.5] * 20)
        self.assertEqual(list(self.net.get_param("conv1", 1)), [0.5] * 20)
        with self.assertRaises(emo.EmoError) as cm:
            self.net.set_param("conv1", 1, [0.5] * 3)
        self.assertEqual(cm.exception.code, emo.ERR_MISMATCH)
        with self.assertRaises(emo.EmoError):
            self.net.get_param("no-such-layer", 0)

    @requires("emo_network_train", "emo_dataset_add_folder",
              "emo_image_save_png")
    def test_train_progress_and_cancel(self):
        without_numpy(self)
        root = tmpdir(self)
        for k, cls in enumerate(("happy", "sad")):
            os.mkdir(os.path.join(root, cls))
            for i in range(4):
                px = bytearray([(i * 37 + k * 100) % 256]) * (48 * 48)
                emo.save_image(os.path.join(root, cls, "S%03d_001_%d.png"
                                            % (i + 1, i)),
                               emo.Image(px, 48, 48))
        ds = emo.Dataset()
        ds.add_folder(root)
        ds.split_random(0.5, 0.5, 0.0, 1)
        self.net.set_int(emo.OPT_TRAIN_EPOCHS, 2)
        self.net.set_int(emo.OPT_TRAIN_BATCH, 4)
        pp = emo.Preprocessor()
        pp.set_int(emo.OPT_DETECT_ENABLE, 0)
        seen = []
        self.net.train(ds, pp, progress=lambda stage, done, total, m:
                       seen.append((stage, done, total)) and False)
        self.assertIn((emo.STAGE_EPOCH, 2, 2), seen)
        with self.assertRaises(emo.EmoError) as cm:
            self.net.train(ds, pp, progress=lambda *a: True)
        self.assertEqual(cm.exception.code, emo.ERR_CANCELLED)

        def boom(*args):
            raise KeyError("from the callback")
        with self.assertRaises(KeyError):
            self.net.train(ds, pp, progress=boom)

    def test_unknown_preset(self):
        with self.assertRaises(emo.EmoError) as cm:
            emo.Network.preset("no-such-net")
        self.assertEqual(cm.exception.code, emo.ERR_INVALID_ARG)



@requires("emo_network_set_reducer")
class ReducerTest(unittest.TestCase):
    TEXT = ("[net]\nchannels = 1\nsize = 4\n"
            "[c1]\ntype = conv\nfilters = 2\nsize = 3\npad = 1\n"
            "[b1]\ntype = bn\n[r1]\ntype = relu\n"
            "[fc]\ntype = fc\noutputs = 3\n[prob]\ntype = softmax\n")

    def test_calls_and_doubling(self):
        """An identity reducer changes nothing; one that doubles every sum
        (two identical processes) gives the same step as one process."""
        x = [((i * 37) % 11) / 11.0 for i in range(4 * 16)]
        y = [0, 1, 2, 1]
        ref = emo.Network.from_text(self.TEXT)
        net = emo.Network.from_text(self.TEXT)
        seen = []

        def double(what, values):
            seen.append((what, len(values)))
            for i in range(len(values)):
                values[i] *= 2
        net.set_reducer(double)
        a = ref.train_step(x, y, 0.1)
        b = net.train_step(x, y, 0.1)
        self.assertAlmostEqual(a, b, places=6)
        self.assertEqual(seen, [(emo.REDUCE_BN_MEAN, 3), (emo.REDUCE_BN_VAR, 3),
                                (emo.REDUCE_LOSS, 3), (emo.REDUCE_BN_GRAD, 5),
                                (emo.REDUCE_GRADIENTS, 18 + 2 + 4 + 96 + 3)])
        for k in range(2):
            for u, v in zip(ref.get_param("fc", k), net.get_param("fc", k)):
                self.assertAlmostEqual(u, v, places=6)

        def boom(what, values):
            raise KeyError("reducer")
        net.set_reducer(boom)
        with self.assertRaises(KeyError):
            net.train_step(x, y, 0.1)
        net.set_reducer(None)
        net.train_step(x, y, 0.1)
        ref.close()
        net.close()


@requires("emo_network_train_step_soft")
class SoftTargetTest(unittest.TestCase):
    TEXT = "[net]\nsize = 4\n[fc]\ntype = fc\noutputs = 3\n[p]\ntype = softmax\n"

    def test_one_hot_equals_labels_and_bad_rows(self):
        x = [((i * 37) % 11) / 11.0 for i in range(4 * 16)]
        y = [0, 2, 1, 2]
        onehot = [1.0 if j == c else 0.0 for c in y for j in range(3)]
        a = emo.Network.from_text(self.TEXT)
        b = emo.Network.from_text(self.TEXT)
        self.assertEqual(a.train_step(x, y, 0.1),
                         b.train_step_soft(x, onehot, 0.1))
        self.assertEqual(list(a.get_param("fc", 0)),
                         list(b.get_param("fc", 0)))
        with self.assertRaises(emo.EmoError):
            b.train_step_soft(x, [0.3] * 12, 0.1)   # rows sum to 0.9
        with self.assertRaises(ValueError):
            b.train_step_soft(x, [0.5] * 11, 0.1)
        a.close()
        b.close()


@requires("emo_network_save_checkpoint", "emo_network_train_steps")
class CheckpointTest(unittest.TestCase):
    def test_checkpoint_steps_on_like_the_network(self):
        """A checkpoint keeps momentum and step count; a model neither."""
        x = [((i * 37) % 11) / 11.0 for i in range(4 * 16)]
        y = [0, 1, 2, 1]
        net = emo.Network.from_text(ReducerTest.TEXT)
        net.set_int(emo.OPT_TRAIN_BATCH_OFFSET, 4)
        for _ in range(2):
            net.train_step(x, y, 0.1)
        self.assertEqual(net.train_steps, 2)
        d = tmpdir(self)
        net.save_checkpoint(os.path.join(d, "a.ckpt"))
        net.save(os.path.join(d, "a.emo"))
        ck = emo.Network.load(os.path.join(d, "a.ckpt"))
        model = emo.Network.load(os.path.join(d, "a.emo"))
        self.assertEqual(ck.train_steps, 2)
        self.assertEqual(model.train_steps, 0)
        for n in (net, ck):
            n.train_step(x, y, 0.1)
        self.assertEqual(list(net.get_param("fc", 0)),
                         list(ck.get_param("fc", 0)))
        with self.assertRaises(emo.EmoError):
            net.save_checkpoint(os.path.join(d, "no", "such", "x.ckpt"))
        for n in (net, ck, model):
            n.close()


if __name__ == "__main__":
    unittest.main()
