"""python3 -m emo: JSON lines like emo-detect."""
import json
import os
import subprocess
import sys
import unittest

from util import ASTRONAUT, HERE, requires, tmpdir


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

    def test_missing_model(self):
        r = run("--model", "/nonexistent.emo", ASTRONAUT)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("nonexistent.emo", r.stderr)


if __name__ == "__main__":
    unittest.main()
