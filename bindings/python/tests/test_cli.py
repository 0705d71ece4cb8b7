"""python3 -m emo: JSON lines like emo-detect."""
import json
import os
import subprocess
import sys
import unittest

from util import ASTRONAUT, HERE, SOURCE, requires, tmpdir

EMO_DETECT = os.path.join(SOURCE, "build", "emo-detect")


def lib_has_predictor():
    from emo._lib import lib
    return lib.has("emo_predictor_create") and lib.has("emo_network_save")


def run(*args):
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
    return subprocess.run([sys.executable, "-m", "emo"] + list(args),
                          env=env, capture_output=True, text=True)


@requires("emo_preprocessor_detect", "emo_image_load")
class CliTest(unittest.TestCase):
    def test_detect_only(self):
        r = run("--detect-only", ASTRONAUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["file"], ASTRONAUT)
        self.assertEqual((out["width"], out["height"]), (512, 512))
        self.assertEqual(len(out["faces"]), 1)

    def test_bad_file_reported_and_skipped(self):
        bad = os.path.join(tmpdir(self), "bad.jpg")
        with open(bad, "wb") as f:
            f.write(b"not a jpeg")
        r = run("--detect-only", bad, ASTRONAUT)
        self.assertEqual(r.returncode, 1)
        lines = [json.loads(s) for s in r.stdout.splitlines()]
        self.assertEqual(len(lines), 2)
        self.assertIn("error", lines[0])
        self.assertIn("faces", lines[1])

    @unittest.skipUnless(os.path.exists(EMO_DETECT), "emo-detect not built")
    def test_same_output_as_emo_detect(self):
        bad = os.path.join(tmpdir(self), "bad.png")
        with open(bad, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n")
        args = [ASTRONAUT, bad]
        model = []
        if lib_has_predictor():
            # a fresh network saved by the test: the outputs must agree
            # whatever the weights
            import emo
            path = os.path.join(tmpdir(self), "m.emo")
            emo.Network.preset("lenet").save(path)
            other = emo.Network.preset("lenet")
            other.set_param("ip2", 1, [0.0] * 5 + [2.0, 0.0])
            path2 = os.path.join(tmpdir(self), "m2.emo")
            other.save(path2)
            # two models: the ensemble path of both programs
            model = ["--model", path, "--model", path2, "--views", "2"]
        else:
            model = ["--detect-only"]
        py = run(*(model + args))
        c = subprocess.run([EMO_DETECT] + model + args, capture_output=True,
                           text=True)
        self.assertEqual(py.returncode, c.returncode)
        self.assertEqual([json.loads(s) for s in py.stdout.splitlines()],
                         [json.loads(s) for s in c.stdout.splitlines()])

    def test_example_script(self):
        env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
        script = os.path.join(SOURCE, "bindings", "python", "examples",
                              "detect.py")
        r = subprocess.run([sys.executable, script, "--detect-only",
                            ASTRONAUT], env=env, capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 face(s)", r.stdout)

    def test_missing_model(self):
        r = run("--model", "/nonexistent.emo", ASTRONAUT)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("nonexistent.emo", r.stderr)


if __name__ == "__main__":
    unittest.main()
