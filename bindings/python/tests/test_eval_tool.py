"""examples/emo-eval on small generated folder trees: JSON report, parts of
a split, ensembles."""
import json
import os
import shutil
import subprocess
import unittest

from util import ASTRONAUT, SOURCE, requires, tmpdir

EMO_EVAL = os.path.join(SOURCE, "build", "emo-eval")


@unittest.skipUnless(os.path.exists(EMO_EVAL), "emo-eval not built")
@requires("emo_predictor_add_network", "emo_network_save")
class EvalToolTest(unittest.TestCase):
    def setUp(self):
        import emo
        d = tmpdir(self)
        self.tree = os.path.join(d, "faces")
        for cls in ("happy", "sad"):
            os.makedirs(os.path.join(self.tree, cls))
            shutil.copy(ASTRONAUT, os.path.join(self.tree, cls, "a.png"))
        self.a = os.path.join(d, "a.emo")
        self.b = os.path.join(d, "b.emo")
        emo.Network.preset("lenet").save(self.a)
        net = emo.Network.preset("lenet")
        net.set_param("ip2", 1, [0.0] * 5 + [9.0, 0.0])  # always sad
        net.save(self.b)
        self.eight = os.path.join(d, "eight.emo")
        emo.Network.preset("lenet", 8).save(self.eight)

    def run_eval(self, *models):
        args = [EMO_EVAL]
        for m in models:
            args += ["--model", m]
        args += ["--folder", self.tree, "--detect", "--views", "2", "--json"]
        return subprocess.run(args, capture_output=True, text=True)

    def test_report(self):
        r = self.run_eval(self.b)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["images"], 2)
        self.assertEqual(out["models"], [self.b])
        self.assertEqual(out["accuracy"], 0.5)  # both faces called sad
        sad = out["classes"].index("sad")
        self.assertEqual(out["per_class"]["sad"]["recall"], 1.0)
        self.assertEqual(sum(row[sad] for row in out["confusion"]), 2)

    def test_ensemble(self):
        alone = json.loads(self.run_eval(self.a).stdout)
        twice = self.run_eval(self.a, self.a)
        self.assertEqual(twice.returncode, 0, twice.stderr)
        twice = json.loads(twice.stdout)
        # a network averaged with itself decides as it does alone
        self.assertEqual(twice["confusion"], alone["confusion"])
        self.assertIn("ensemble of 2 models", twice["protocol"])
        both = json.loads(self.run_eval(self.a, self.b).stdout)
        self.assertEqual(both["models"], [self.a, self.b])
        sad = both["classes"].index("sad")
        self.assertNotEqual(sum(row[sad] for row in alone["confusion"]), 2)
        # b's bias dominates the average: both faces called sad
        self.assertEqual(sum(row[sad] for row in both["confusion"]), 2)

    def test_parts_of_a_split(self):
        for cls in ("happy", "sad"):
            for k in range(3):
                shutil.copy(ASTRONAUT,
                            os.path.join(self.tree, cls, "c%d.png" % k))
        seen = {}
        for part in ("train", "val", "test"):
            r = subprocess.run(
                [EMO_EVAL, "--model", self.b, "--folder", self.tree,
                 "--detect", "--split-from", "random:0.5,0.25,0.25",
                 "--part", part, "--json"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = json.loads(r.stdout)
            self.assertIn(", %s split" % part, out["protocol"])
            seen[part] = out["images"]
        self.assertEqual(seen, {"train": 4, "val": 2, "test": 2})
        for bad in (["--part", "dev"], ["--part", "val"]):  # no split
            r = subprocess.run([EMO_EVAL, "--model", self.b, "--folder",
                                self.tree] + bad,
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)
            self.assertIn("--part", r.stderr)

    def test_subject_folds_with_and_without_validation(self):
        for cls in ("happy", "sad"):
            os.remove(os.path.join(self.tree, cls, "a.png"))
            for subj in range(4):  # CK+48 names: S<subject>_<seq>_<frame>
                shutil.copy(ASTRONAUT, os.path.join(
                    self.tree, cls, "S%03d_001_%d.png" % (subj, len(cls))))

        def part(spec, name):
            return subprocess.run(
                [EMO_EVAL, "--model", self.b, "--folder", self.tree,
                 "--detect", "--split-from", spec, "--part", name,
                 "--json"], capture_output=True, text=True)

        sizes = {}
        for spec in ("subjects:4:0", "subjects:4:0:noval"):
            for name in ("train", "val", "test"):
                r = part(spec, name)
                sizes[spec, name] = (json.loads(r.stdout)["images"]
                                     if r.returncode == 0 else None)
        # one subject (two images) per fold; :noval hands the validation
        # fold to training and leaves the test fold as it was
        self.assertEqual(sizes["subjects:4:0", "train"], 4)
        self.assertEqual(sizes["subjects:4:0", "val"], 2)
        self.assertEqual(sizes["subjects:4:0:noval", "train"], 6)
        self.assertIsNone(sizes["subjects:4:0:noval", "val"])
        self.assertEqual(sizes["subjects:4:0", "test"],
                         sizes["subjects:4:0:noval", "test"])
        r = part("subjects:4:0:nova", "test")
        self.assertEqual(r.returncode, 2)
        self.assertIn("subjects:K:FOLD[:noval]", r.stderr)

    def test_refused_ensembles(self):
        r = self.run_eval(self.a, self.eight)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("eight.emo", r.stderr)
        r = self.run_eval(*[self.a] * 9)
        self.assertEqual(r.returncode, 2)
        self.assertIn("at most 8", r.stderr)


if __name__ == "__main__":
    unittest.main()
