"""Library loading, version, errors, classes, options, constants."""
import os
import re
import subprocess
import sys
import unittest

import emo
from util import HEADER, HERE


class CoreTest(unittest.TestCase):
    def test_version(self):
        self.assertRegex(emo.version(), r"^\d+\.\d+\.\d+$")
        self.assertTrue(os.path.exists(emo.library_path()))

    def test_error_carries_code_and_detail(self):
        with self.assertRaises(emo.EmoError) as cm:
            emo.class_from_name("grumpy")
        e = cm.exception
        self.assertEqual(e.code, emo.ERR_RANGE)
        self.assertEqual(e.name, emo.strerror(emo.ERR_RANGE))
        self.assertIn("grumpy", e.detail)
        self.assertIn("grumpy", str(e))

    def test_classes(self):
        self.assertEqual(emo.class_name(emo.CLASS_HAPPY), "happy")
        self.assertIsNone(emo.class_name(99))
        self.assertEqual(emo.class_from_name("Sadness"), emo.CLASS_SAD)

    def test_option_bounds(self):
        self.assertEqual(emo.option_bounds(emo.OPT_FACE_SIZE),
                         (8.0, 512.0, 48.0))
        with self.assertRaises(emo.EmoError):
            emo.option_bounds(12345)

    @unittest.skipUnless(os.path.exists(HEADER), "no source tree")
    def test_constants_match_header(self):
        text = re.sub(r"/\*.*?\*/", "", open(HEADER).read(), flags=re.S)
        pairs = re.findall(r"\bEMO_(\w+)\s*=\s*(-?\d+)", text)
        self.assertGreater(len(pairs), 60)
        for name, value in pairs:
            self.assertEqual(getattr(emo, name), int(value), name)

    @unittest.skipUnless(os.path.exists(HEADER), "no source tree")
    def test_every_function_has_a_prototype(self):
        from emo._lib import PROTOTYPES
        names = set(re.findall(r"EMO_API[^;(]*?\b(emo_\w+)\s*\(",
                               open(HEADER).read()))
        self.assertGreater(len(names), 80)
        self.assertEqual(sorted(names - set(PROTOTYPES)), [])

    def test_library_env_var_is_honoured(self):
        env = dict(os.environ, EMO_LIBRARY="/nonexistent/libemo.so.1",
                   PYTHONPATH=os.path.dirname(HERE))
        r = subprocess.run([sys.executable, "-c", "import emo"], env=env,
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("EMO_LIBRARY", r.stderr)


if __name__ == "__main__":
    unittest.main()
