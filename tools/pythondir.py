"""pythondir.py PREFIX - where `make install` puts the Python package: the
directory under PREFIX that this python3 already imports from, if there is
one (Debian: /usr/lib/python3/dist-packages for /usr,
/usr/local/lib/python3.X/dist-packages for /usr/local), else the standard
PREFIX/lib/python3.X/site-packages (a PYTHONPATH entry is then needed)."""
import os
import sys
import sysconfig

prefix = os.path.normpath(sys.argv[1])
ver = "python%d.%d" % sys.version_info[:2]
for cand in (os.path.join(prefix, "lib", "python3", "dist-packages"),
             os.path.join(prefix, "lib", ver, "dist-packages"),
             os.path.join(prefix, "lib", ver, "site-packages")):
    if cand in sys.path:
        print(cand)
        sys.exit(0)
print(sysconfig.get_path("purelib", "posix_prefix",
                         vars={"base": prefix, "platbase": prefix}))
