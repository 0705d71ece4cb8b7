"""examples/emo-train on a small generated folder tree: --train-seed and
--net-seed change the training draw and the fresh weights, and default
to --seed and 1; --net takes a preset or a network text file;
--weight-storage f16 writes the weights in 16 bits; a repeated option
keeps its last value."""
import os
import random
import subprocess
import unittest

import emo
from util import SOURCE, tmpdir

EMO_TRAIN = os.path.join(SOURCE, "build", "emo-train")


def write_pgm(path, rnd, bright):
    """A 24x24 gray face stand-in: noise around a class-dependent level."""
    px = bytes(max(0, min(255, bright + rnd.randint(-40, 40)))
               for _ in range(24 * 24))
    with open(path, "wb") as f:
        f.write(b"P5\n24 24\n255\n" + px)


@unittest.skipUnless(os.path.exists(EMO_TRAIN), "emo-train not built")
class TrainToolTest(unittest.TestCase):
    def setUp(self):
        self.dir = tmpdir(self)
        tree = os.path.join(self.dir, "faces")
        rnd = random.Random(7)
        for cls, bright in (("happy", 90), ("sad", 160)):
            os.makedirs(os.path.join(tree, cls))
            for k in range(12):
                write_pgm(os.path.join(tree, cls, "%02d.pgm" % k), rnd,
                          bright)
        self.tree = tree

    def train(self, name, *extra):
        """The trained model's conv1 and ip2 weights (file bytes would also
        differ by the stored options alone)."""
        out = os.path.join(self.dir, name + ".emo")
        r = subprocess.run(
            [EMO_TRAIN, "--folder", self.tree, "--split",
             "random:0.75,0,0.25", "--net", "lenet",
             "--epochs", "2", "--batch", "4", "--augment", "mirror,shift",
             "--out", out] + list(extra), capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        net = emo.Network.load(out)
        return [list(net.get_param(layer, 0)) for layer in ("conv1", "ip2")]

    def test_train_seed(self):
        base = self.train("base", "--seed", "3")
        # the default training seed is the split's seed
        self.assertEqual(self.train("same", "--seed", "3",
                                    "--train-seed", "3"), base)
        # another training draw over the same split gives other weights
        self.assertNotEqual(self.train("other", "--seed", "3",
                                       "--train-seed", "4"), base)

    def test_net_seed(self):
        base = self.train("base")
        self.assertEqual(self.train("same", "--net-seed", "1"), base)
        self.assertNotEqual(self.train("other", "--net-seed", "2"), base)

    def test_net_from_preset_or_text_file(self):
        out = os.path.join(self.dir, "text.emo")
        with open(os.path.join(self.dir, "lenet.txt"), "w") as f:
            f.write(emo.Network.preset("lenet").text)
        args = [EMO_TRAIN, "--folder", self.tree, "--epochs", "1",
                "--out", out, "--net"]
        r = subprocess.run(args + [os.path.join(self.dir, "lenet.txt")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = subprocess.run(args + ["lenett"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown preset 'lenett'", r.stderr)
        self.assertIn("not a readable file", r.stderr)

    def test_weight_storage_f16(self):
        w32 = self.train("w32")
        w16 = self.train("w16", "--weight-storage", "f16")
        size = {n: os.path.getsize(os.path.join(self.dir, n + ".emo"))
                for n in ("w32", "w16")}
        # the same run, its weights rounded to 16 bits and half the bytes
        self.assertLess(size["w16"], 0.55 * size["w32"])
        for a, b in zip(w32, w16):
            for x, y in zip(a, b):
                self.assertLessEqual(abs(x - y), abs(x) / 2048 + 1e-7)
        self.assertNotEqual(w32, w16)
        net = emo.Network.load(os.path.join(self.dir, "w16.emo"))
        self.assertEqual(net.get_int(emo.OPT_NET_WEIGHT_STORAGE),
                         emo.STORE_F16)
        r = subprocess.run([EMO_TRAIN, "--folder", self.tree,
                            "--weight-storage", "f8", "--out",
                            os.path.join(self.dir, "x.emo")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--weight-storage", r.stderr)

    def test_repeated_option_keeps_the_last(self):
        # 40 repeats once overran a fixed table of 32 options
        once = self.train("once", "--lr", "0.02")
        many = self.train("many", *(["--lr", "0.5"] * 40 + ["--lr", "0.02"]))
        self.assertEqual(many, once)

    def test_too_many_lr_mults_is_an_error(self):
        r = subprocess.run([EMO_TRAIN, "--folder", self.tree] +
                           ["--lr-mult", "conv1=0.5"] * 65 +
                           ["--out", os.path.join(self.dir, "x.emo")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--lr-mult: at most 64", r.stderr)

    def test_seed_ranges(self):
        for option in ("--train-seed", "--net-seed"):
            r = subprocess.run([EMO_TRAIN, "--folder", self.tree, option,
                                "-1", "--out",
                                os.path.join(self.dir, "x.emo")],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)
            self.assertIn(option, r.stderr)


if __name__ == "__main__":
    unittest.main()
