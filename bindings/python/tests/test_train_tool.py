"""examples/emo-train on a small generated folder tree: --train-seed
changes the training draw, and defaults to --seed."""
import os
import random
import subprocess
import unittest

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
        out = os.path.join(self.dir, name + ".emo")
        r = subprocess.run(
            [EMO_TRAIN, "--folder", self.tree, "--split",
             "random:0.75,0,0.25", "--net", "lenet",
             "--epochs", "2", "--batch", "4", "--augment", "mirror,shift",
             "--out", out] + list(extra), capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            return f.read()

    def test_train_seed(self):
        base = self.train("base", "--seed", "3")
        # the default training seed is the split's seed
        self.assertEqual(self.train("same", "--seed", "3",
                                    "--train-seed", "3"), base)
        # another training draw over the same split gives other weights
        self.assertNotEqual(self.train("other", "--seed", "3",
                                       "--train-seed", "4"), base)

    def test_train_seed_range(self):
        r = subprocess.run([EMO_TRAIN, "--folder", self.tree,
                            "--train-seed", "-1", "--out",
                            os.path.join(self.dir, "x.emo")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--train-seed", r.stderr)


if __name__ == "__main__":
    unittest.main()
