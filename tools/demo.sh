#!/bin/sh
# make demo: faces and emotions on the sample photograph with the default
# model, the annotated image written to build/demo-annotated.png.  Run by
# `make demo` after the build (it installs what is missing first).
set -u
cd "$(dirname "$0")/.."
img=examples/data/astronaut.png
model=models/default.emo
out=build/demo-annotated.png

if [ ! -x build/emo-detect ]; then
    echo "demo: build/emo-detect is missing: run 'make' first" >&2
    exit 1
fi
if [ -f "$model" ]; then
    echo "== build/emo-detect --model $model --annotate $out $img"
    build/emo-detect --model "$model" --annotate "$out" "$img" || exit 1
    echo "== faces and emotions above (JSON); annotated image: $out"
else
    echo "demo: the default model $model is missing (it is trained" \
         "separately; see docs/guide.md), so this demo detects faces only."
    echo "== build/emo-detect --detect-only --annotate $out $img"
    build/emo-detect --detect-only --annotate "$out" "$img" || exit 1
    echo "== faces above (JSON, no emotions without a model);" \
         "annotated image: $out"
fi
