#!/usr/bin/env python3
"""gen-man.py - a manual page (roff, man macros) from one of docs/*.md.

    gen-man.py --section 1 [--name N] [--part HEADING] [--summary S]
               [--version V] FILE.md > N.1

The markdown the docs use is small: '#'/'##'/'###' headings, paragraphs,
'-' lists, fenced code, pipe tables, `code`, **bold**, *italic* and
[links](...).  Only that is translated; python3 standard library only, so
that `make` needs neither pandoc nor anything else to build the pages.
--part keeps the one '##' section of that title (docs/datasets.md holds
the emo-train and emo-eval manuals); the name defaults to the page's
'# name(N)' title, the summary to the first sentence of its first
paragraph."""
import argparse
import re
import sys

SEE_ALSO = {
    "1": ["libemo(3)", "emo-detect(1)", "emo-eval(1)", "emo-live(1)",
          "emo-train(1)"],
    "3": ["emo-detect(1)", "emo-eval(1)", "emo-live(1)", "emo-train(1)"],
}


def esc(text):
    """Escapes roff specials in running text."""
    return text.replace("\\", "\\e").replace("-", "\\-")


def inline(text):
    out = []
    text = re.sub(r"\*\*`([^`]*)`\*\*", r"`\1`", text)
    # `code` first so that nothing inside it is taken for emphasis.
    for i, part in enumerate(re.split(r"`([^`]*)`", text)):
        if i % 2:
            out.append("\\fB" + esc(part) + "\\fR")
            continue
        part = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", part)
        part = esc(part)
        part = re.sub(r"\*\*([^*]+)\*\*", r"\\fB\1\\fR", part)
        part = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])", r"\\fI\1\\fR",
                      part)
        out.append(part)
    return "".join(out)


def line_out(text):
    """A text line; a leading '.' or "'" would be read as a request."""
    return "\\&" + text if text[:1] in (".", "'") else text


def cells(row):
    return [c.strip().replace("\\|", "|")
            for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]


def convert(lines, out):
    i, n = 0, len(lines)
    while i < n:
        ln = lines[i].rstrip("\n")
        if not ln.strip():
            i += 1
            continue
        if ln.startswith("```"):
            i += 1
            out.append(".PP\n.RS 4\n.nf")
            while i < n and not lines[i].startswith("```"):
                out.append(line_out(esc(lines[i].rstrip("\n"))))
                i += 1
            out.append(".fi\n.RE")
            i += 1
            continue
        m = re.match(r"(#{2,4})\s+(.*)", ln)
        if m:
            title = inline(m.group(2).strip())
            out.append((".SH " if len(m.group(1)) == 2 else ".SS ") +
                       '"' + (title.upper() if len(m.group(1)) == 2
                              else title) + '"')
            i += 1
            continue
        if ln.lstrip().startswith("|"):
            head = cells(ln)
            i += 2  # the header and its |---| rule
            while i < n and lines[i].lstrip().startswith("|"):
                row = cells(lines[i])
                out.append(".TP\n" + line_out(inline(row[0])))
                rest = []
                for h, c in zip(head[1:], row[1:]):
                    rest.append(inline(c) if len(head) == 2 or h in
                                ("meaning", "what") else
                                inline(h) + ": " + inline(c))
                out.append(line_out(". ".join(r.rstrip(".") for r in rest
                                              if r) + "."))
                i += 1
            continue
        if re.match(r"\s*([-*]|\d+\.)\s", ln):
            text = [re.sub(r"^\s*([-*]|\d+\.)\s+", "", ln)]
            i += 1
            while i < n and lines[i].strip() and \
                    lines[i].startswith("  ") and \
                    not re.match(r"\s*([-*]|\d+\.)\s", lines[i]):
                text.append(lines[i].strip())
                i += 1
            out.append(".IP \\(bu 2\n" + line_out(inline(" ".join(text))))
            continue
        para = []
        while i < n and lines[i].strip() and \
                not lines[i].startswith(("```", "#", "|")) and \
                not re.match(r"\s*([-*]|\d+\.)\s", lines[i]):
            para.append(lines[i].strip())
            i += 1
        out.append(".PP\n" + line_out(inline(" ".join(para))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--section", required=True)
    ap.add_argument("--name")
    ap.add_argument("--part")
    ap.add_argument("--summary")
    ap.add_argument("--version", default="")
    ap.add_argument("file")
    a = ap.parse_args()
    with open(a.file, encoding="utf-8") as f:
        lines = f.readlines()
    name = a.name
    if lines and lines[0].startswith("# "):
        m = re.match(r"# ([\w.-]+)\((\d)\)", lines[0])
        if m and not name:
            name = m.group(1)
        lines = lines[1:]
    if a.part:
        start = [k for k, l in enumerate(lines)
                 if l.strip() == "## " + a.part]
        if not start:
            sys.exit("gen-man: %s: no section '## %s'" % (a.file, a.part))
        end = next((k for k in range(start[0] + 1, len(lines))
                    if lines[k].startswith("## ")), len(lines))
        lines = lines[start[0] + 1:end]
    if not name:
        sys.exit("gen-man: %s: no '# name(N)' title; give --name" % a.file)
    summary = a.summary
    if not summary:
        first = []
        for l in lines:
            if l.strip() and not l.startswith(("```", "#", "|")):
                first.append(l.strip())
            elif first:
                break
        summary = re.split(r"(?<=[.:])\s", " ".join(first))[0].rstrip(".:")
        summary = re.sub(r"`([^`]*)`", r"\1", summary)
    out = ['.\\" Generated by tools/gen-man.py from %s; do not edit.'
           % a.file,
           '.TH "%s" "%s" "" "libemo %s" "libemo manual"'
           % (name.upper(), a.section, a.version),
           ".SH NAME", "%s \\- %s" % (esc(name), esc(summary))]
    if a.section == "3":
        out += [".SH SYNOPSIS", ".nf", "#include <emo.h>", "",
                "cc prog.c $(pkg\\-config \\-\\-cflags \\-\\-libs libemo)",
                ".fi"]
    out += [".SH DESCRIPTION"]
    convert(lines, out)
    out += [".SH SEE ALSO",
            ", ".join("\\fB%s\\fR(%s)" % (s[:-3], s[-2])
                      for s in SEE_ALSO[a.section]
                      if s != "%s(%s)" % (name, a.section)) + "."]
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
