#!/usr/bin/env python3
"""Checks that libemo/ keeps the shape libemo/README.md describes.

    check-layout.py OBJDIR

- every module folder of libemo/ has its line in libemo/README.md, in the
  order below, and no other folder holds sources;
- arrows point down only: a file includes headers, and calls functions
  (from the objects' symbol tables, `nm`), of its own folder or of folders
  listed before it;
- no cycle between files: within a folder too, if a.c calls b.c then
  nothing b.c calls (directly or not) calls a.c.

OBJDIR is the build's object folder for libemo/ (build/obj/libemo).
Prints each violation and exits 1, or "layout: ok".
"""
import os
import re
import subprocess
import sys

# Lowest first: a folder may use the ones before it, never after.
ORDER = ["common", "image", "detect", "data", "nn", "model", "predict",
         "train"]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                    "libemo")


def sources():
    for folder in sorted(os.listdir(ROOT)):
        path = os.path.join(ROOT, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            if name.endswith((".c", ".h")):
                yield folder, name


def check_readme(errors):
    with open(os.path.join(ROOT, "README.md")) as f:
        listed = re.findall(r"^\| `(\w+)/` \|", f.read(), re.M)
    folders = sorted({folder for folder, _ in sources()})
    if listed != ORDER:
        errors.append("libemo/README.md lists %s, expected %s"
                      % (listed, ORDER))
    for folder in folders:
        if folder not in ORDER:
            errors.append("libemo/%s/: not a module folder of %s"
                          % (folder, ORDER))
    for name in os.listdir(ROOT):
        if name.endswith((".c", ".h")):
            errors.append("libemo/%s: sources live in the module folders"
                          % name)


def rank(folder):
    return ORDER.index(folder) if folder in ORDER else len(ORDER)


def check_includes(errors):
    inc = re.compile(r'^\s*#\s*include\s+"(\w+)/[^"]+"', re.M)
    for folder, name in sources():
        with open(os.path.join(ROOT, folder, name)) as f:
            for target in inc.findall(f.read()):
                if rank(target) > rank(folder):
                    errors.append("libemo/%s/%s includes a header of %s/, "
                                  "which comes after %s/"
                                  % (folder, name, target, folder))


def symbols(objdir):
    """file -> (defined, undefined) global symbols."""
    out = {}
    for folder, name in sources():
        if not name.endswith(".c"):
            continue
        obj = os.path.join(objdir, folder, name[:-2] + ".o")
        if not os.path.exists(obj):
            continue
        text = subprocess.run(["nm", obj], check=True, capture_output=True,
                              text=True).stdout
        defined, undefined = set(), set()
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "U":
                undefined.add(parts[1])
            elif len(parts) == 3 and parts[1] in "TDBRCV":
                defined.add(parts[2])
        out["%s/%s" % (folder, name)] = (defined, undefined)
    return out


def check_calls(objdir, errors):
    syms = symbols(objdir)
    owner = {s: f for f, (d, _) in syms.items() for s in d}
    edges = {f: {} for f in syms}
    for f, (_, undefined) in syms.items():
        for s in undefined:
            g = owner.get(s)
            if g and g != f:
                edges[f].setdefault(g, s)
    for f, targets in sorted(edges.items()):
        for g, s in sorted(targets.items()):
            a, b = f.split("/")[0], g.split("/")[0]
            if rank(b) > rank(a):
                errors.append("libemo/%s calls %s in libemo/%s, which comes "
                              "after %s/" % (f, s, g, a))
    # Tarjan's strongly connected components: any with two files is a cycle.
    index, low, stack, on, n = {}, {}, [], set(), [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                detail = ", ".join("%s -> %s (%s)" % (a, b, edges[a][b])
                                   for a in sorted(comp)
                                   for b in sorted(edges[a]) if b in comp)
                errors.append("call cycle between %s: %s"
                              % (", ".join(sorted(comp)), detail))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return len(syms)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    errors = []
    check_readme(errors)
    check_includes(errors)
    files = check_calls(sys.argv[1], errors)
    for e in errors:
        print("layout: FAIL: " + e)
    if errors:
        sys.exit(1)
    if files == 0:
        sys.exit("layout: FAIL: no objects under %s" % sys.argv[1])
    print("layout: ok (%d files in %d folders, arrows down, no cycles)"
          % (files, len(ORDER)))


if __name__ == "__main__":
    main()
