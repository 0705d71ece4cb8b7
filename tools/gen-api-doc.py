#!/usr/bin/python3
"""Generates docs/api.md from the comments of include/emo.h.

    /usr/bin/python3 tools/gen-api-doc.py [include/emo.h] > docs/api.md

The header is the reference: every public function carries a doc comment
right above it.  This script keeps the header's order and section banners,
prints each declaration group as C and its comment as text, and lists every
function in an index at the top.  Standard library only.
"""
import re
import sys

BANNER = re.compile(r"/\* -{20,} \*/\s*/\*\s*([^*]*?)\s*\*/\s*/\* -{20,} \*/")
BLOCK = re.compile(r"(typedef\s+)?(enum|struct)\b[^;{]*\{")
SKIP = re.compile(r"^\s*(#\s*(ifndef EMO_H|define EMO_H|include)|"
                  r"#endif /\* EMO_H|extern \"C\"|}\s*$)")


def comment_text(c):
    """The text of a /* ... */ comment, leading stars removed."""
    body = c[2:-2]
    lines = [re.sub(r"^\s*\* ?", "", ln) for ln in body.splitlines()]
    return "\n".join(ln.rstrip() for ln in lines).strip()


def chunks(text):
    """Splits the header into ('banner', title), ('comment', text) and
    ('code', text) items in order."""
    items = []
    pos = 0
    while True:
        pos = re.compile(r"\s*").match(text, pos).end()
        if pos >= len(text):
            return items
        b = BANNER.match(text, pos)
        if b:
            items.append(("banner", b.group(1)))
            pos = b.end()
        elif text.startswith("/*", pos):
            end = text.index("*/", pos) + 2
            items.append(("comment", text[pos:end]))
            pos = end
        elif BLOCK.match(text, pos):
            # An enum or struct with the comments on its members.
            depth, i = 0, text.index("{", pos)
            while True:
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                if depth == 0:
                    break
                i += 1
            end = text.index(";", i) + 1
            items.append(("code", text[pos:end]))
            pos = end
        else:
            # Code up to the next comment; a comment that ends a code line
            # (an enum value's) stays with the code.
            nxt = text.find("/*", pos)
            nxt = len(text) if nxt < 0 else nxt
            if text.rfind("\n", pos, nxt) < nxt - 1 and \
                    text[text.rfind("\n", pos, nxt) + 1:nxt].strip():
                line_end = text.find("\n", nxt)
                nxt = len(text) if line_end < 0 else line_end
                # keep taking code lines while they end in comments
            items.append(("code", text[pos:nxt]))
            pos = nxt


def clean_code(code):
    keep = [ln for ln in code.strip("\n").splitlines() if not SKIP.match(ln)]
    if all(ln.strip() in ("#ifdef __cplusplus", "#endif", "") for ln in keep):
        return ""
    return "\n".join(keep).strip("\n")


def functions(code):
    return re.findall(r"EMO_API[^;(]*?\b(emo_\w+)\s*\(", code)


def render(src):
    out, index = [], []
    items = chunks(src)
    # The file's first comment is the introduction.
    if items and items[0][0] == "comment":
        out.append(comment_text(items[0][1]) + "\n")
        items = items[1:]
    pending = None  # a comment waiting for the code it documents
    for kind, val in items:
        if kind == "banner":
            if pending:
                out.append(comment_text(pending) + "\n")
                pending = None
            out.append("## %s\n" % val)
        elif kind == "comment":
            if pending:
                out.append(comment_text(pending) + "\n")
            pending = val
        else:
            code = clean_code(val)
            if not code.strip():
                continue
            names = functions(code)
            index.extend(names)
            if names:
                out.append("".join('<a id="%s"></a>' % n for n in names))
            out.append("```c\n%s\n```\n" % code)
            if pending:
                out.append(comment_text(pending) + "\n")
                pending = None
    head = ["# libemo API reference\n",
            "Generated from `include/emo.h` by `tools/gen-api-doc.py`; "
            "the header is the authority.\n",
            "Functions: " + ", ".join("[`%s`](#%s)" % (n, n) for n in index)
            + "\n"]
    return "\n".join(head + out)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "include/emo.h"
    with open(path) as f:
        sys.stdout.write(render(f.read()))


if __name__ == "__main__":
    main()
