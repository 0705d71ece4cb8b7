#!/bin/sh
# check-cli.sh - the command-line convention every example program keeps:
# --help (exit 0, one line per option), --version, one error line naming the
# option and the problem with the nearest option for a misspelling (exit 2),
# a missing model named once (exit 1).  Usage: check-cli.sh [BUILD_DIR]
B=${1:-build}
cd "$(dirname "$0")/.."
echo "== command-line convention of the example programs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "check-cli: FAIL: $*" >&2; fail=1; }

# expect STATUS PATTERN PROG ARGS...: exit status and a line of stderr
expect() {
    want=$1 pat=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    got=$?
    [ "$got" = "$want" ] || bad "$*: exit $got, not $want"
    grep -q -- "$pat" "$tmp/err" || { bad "$*: stderr lacks '$pat':"; \
        cat "$tmp/err" >&2; }
}

# help_version PROG: --help, --version, an unknown option, the man page
help_version() {
    p=$1 x=$B/$1
    "$x" --help >"$tmp/help" 2>"$tmp/err" || bad "$p --help: exit $?"
    [ -s "$tmp/err" ] && bad "$p --help wrote to stderr"
    grep -q "^usage: $p " "$tmp/help" || bad "$p --help: no usage line"
    # every option line has a meaning after its name; nothing wraps
    awk -v p="$p" 'length > 79 { print p ": help line over 79 columns: " $0;
                                 bad = 1 }
                   /^  --/ && NF < 2 { print p ": option without meaning: " $0;
                                       bad = 1 }
                   END { exit bad }' "$tmp/help" >&2 || fail=1
    grep -q -- "--version" "$tmp/help" || bad "$p --help lacks --version"
    "$x" --version >"$tmp/ver" || bad "$p --version: exit $?"
    grep -q "^$p (libemo) [0-9]*\.[0-9]*\.[0-9]*$" "$tmp/ver" ||
        bad "$p --version: '$(cat "$tmp/ver")'"
    expect 2 "^$p: unknown option --bogus\$" "$x" --bogus
    # one error line, then the pointer to --help: not the whole usage block
    [ "$(wc -l <"$tmp/err")" -le 2 ] || bad "$p: usage error over 2 lines"
    name=$(sed -n '/^\.SH NAME/{n;s/\\//g;p;}' "$B/man/$p.1" 2>/dev/null)
    case $name in
        "$p - "*) ;;
        *) bad "$p: no man page $B/man/$p.1 that names it (make man)" ;;
    esac
}

for p in emo-detect emo-train emo-eval emo-live; do
    x=$B/$p
    [ -x "$x" ] || { echo "check-cli: $x missing (make examples)" >&2; exit 1; }
    help_version $p
    expect 2 "^$p: unknown option --max-pixel (did you mean --max-pixels?)" \
        "$x" --max-pixel 9
    expect 2 "^$p: --max-pixels: 'x' is not" "$x" --max-pixels x
    expect 2 "^$p: --crop-shift-y: '0.7' is not" "$x" --crop-shift-y 0.7
    expect 2 "^$p: --crop-margin: '-0.5' is not" "$x" --crop-margin -0.5
    [ "$(wc -l <"$tmp/err")" -le 2 ] || bad "$p: usage error over 2 lines"
done
# The MPI programs, when `make mpi` built them (it needs mpicc), run as
# singletons (no mpirun); their man pages are built without MPI.
for p in emo-train-mpi emo-detect-mpi emo-eval-mpi; do
    if [ -x "$B/$p" ]; then
        help_version $p
    else
        echo "check-cli: $p not built (make mpi, with mpicc): skipped"
    fi
done
# a misspelt option after an operand is still the misspelling
expect 2 "unknown option --bogus\$" $B/emo-detect a.png --bogus
expect 2 "did you mean --epochs?" $B/emo-train --epoch 3
expect 2 "^emo-live: --input needs a value" $B/emo-live --input
expect 2 "^emo-train: --out needs a value" $B/emo-train --folder d --out \
    --epochs 3
expect 2 "^emo-train: no output model" $B/emo-train --folder d
expect 2 "^emo-eval: no model" $B/emo-eval --folder d
expect 2 "^emo-detect: no image files" $B/emo-detect
# a missing model: exit 1, its path named once
for p in emo-detect emo-live emo-eval; do
    case $p in
        emo-detect) set -- "$B/$p" --model "$tmp/none.emo" examples/data/astronaut.png ;;
        emo-live)   set -- "$B/$p" --model "$tmp/none.emo" --input /dev/null ;;
        emo-eval)   set -- "$B/$p" --model "$tmp/none.emo" --folder "$tmp" ;;
    esac
    "$@" >/dev/null 2>"$tmp/err"
    got=$?
    [ $got = 1 ] || bad "$p with a missing model: exit $got, not 1"
    [ "$(grep -o "none.emo" "$tmp/err" | wc -l)" = 1 ] ||
        bad "$p: missing model not named exactly once: $(cat "$tmp/err")"
done

# Training on one's own folders (astronaut.png under several names): the
# model has exactly the classes present; a folder that is no emotion is
# warned about, or with --own-classes is a class; a bad --out fails before
# training; a small set is warned about.
for c in happy sad bored; do
    mkdir -p "$tmp/faces/$c"
    for k in 1 2 3 4; do
        ln -s "$(pwd)/examples/data/astronaut.png" "$tmp/faces/$c/$k.png"
    done
done
train() { $B/emo-train --folder "$tmp/faces" --net lenet --epochs 1 \
              --split none "$@" 2>"$tmp/err" >/dev/null; }
train --out /nonexistent/x.emo
got=$?
[ $got = 1 ] || bad "emo-train --out /nonexistent/x.emo: exit $got, not 1"
grep -q "^emo-train: --out /nonexistent/x.emo: its folder does not exist" \
    "$tmp/err" || bad "bad --out not named: $(cat "$tmp/err")"
grep -q "^epoch" "$tmp/err" && bad "bad --out noticed only after training"
scores() { # the class names of the model's scores for astronaut.png
    $B/emo-detect --model "$1" --choice largest examples/data/astronaut.png |
        sed 's/.*"scores": {//; s/}.*//; s/: [0-9.]*//g; s/"//g'
}
if train --out "$tmp/std.emo"; then
    grep -q "warning: folder 'bored' (4 images) is not a class" "$tmp/err" ||
        bad "emo-train: the bored folder left out without a warning"
    grep -q "warning: only 4 training images .*100 per class" "$tmp/err" &&
        grep -q -- "--finetune" "$tmp/err" ||
        bad "emo-train: no small-set warning: $(cat "$tmp/err")"
    [ "$(scores "$tmp/std.emo")" = "happy, sad" ] ||
        bad "canonical model classes: $(scores "$tmp/std.emo")"
    $B/emo-eval --model "$tmp/std.emo" --folder "$tmp/faces" --json \
        2>"$tmp/err" | grep -q '"in_folders_naming_no_class": 4' ||
        bad "emo-eval: the bored folder not counted as left out"
    # cross-dataset: a set without the model's sad class says so, scores
    # happy alone, and calibrates the 4 images it classified
    mkdir -p "$tmp/only/happy"
    cp "$tmp"/faces/happy/* "$tmp/only/happy/"
    $B/emo-eval --model "$tmp/std.emo" --folder "$tmp/only" --json \
        2>"$tmp/err" >"$tmp/x.json"
    for want in '"scored_classes": \["happy"\]' \
        '"classes_without_images": \["sad"\]' \
        '"data": \[{"source": "folder", "path": ' \
        '"calibration": {"images": 4, "bins": 15, "ece": [0-9]' \
        '"kl_votes": null, "kl_images": 0, "reliability": \[{"from": 0,'; do
        grep -q "$want" "$tmp/x.json" ||
            bad "emo-eval --json lacks $want: $(cat "$tmp/x.json")"
    done
    $B/emo-eval --model "$tmp/std.emo" --folder "$tmp/only" 2>"$tmp/err" |
        grep -q "^model classes without images .*: sad$" ||
        bad "emo-eval: the model's class without images not named"
    $B/emo-eval --help | grep -q "ECE is the top-label expected" ||
        bad "emo-eval --help does not define the ECE"
else
    bad "emo-train on happy/sad/bored: $(cat "$tmp/err")"
fi
# Contempt in the data of 7 classes: emo-train points to --classes 8;
# emo-eval, whose classes are the model's, says the model lacks it (it has
# no --classes).
for c in happy contempt; do
    mkdir -p "$tmp/ct/$c"
    for k in 1 2; do
        ln -s "$(pwd)/examples/data/astronaut.png" "$tmp/ct/$c/$k.png"
    done
done
$B/emo-train --folder "$tmp/ct" --net lenet --epochs 1 --split none \
    --out "$tmp/ct.emo" >/dev/null 2>"$tmp/err"
grep -q "^emo-train: warning: 2 images of contempt left out (7 classes; \
--classes 8 keeps it)$" "$tmp/err" || bad "emo-train: contempt warning: $(cat "$tmp/err")"
$B/emo-eval --model models/default.emo --folder "$tmp/ct" >/dev/null \
    2>"$tmp/err"
grep -q "^emo-eval: warning: 2 images of contempt left out (the model has \
no contempt class;" "$tmp/err" || bad "emo-eval: contempt warning: $(cat "$tmp/err")"
grep -q -- "--classes" "$tmp/err" &&
    bad "emo-eval names --classes, which it does not have: $(cat "$tmp/err")"
# --crop-margin/--crop-shift-y: emo-train stores them; they frame detector
# boxes only, so training on whole-image faces gives the same weights, and
# the stored framing is what the overrides of emo-detect give.
faces() { $B/emo-detect --views 1 --choice largest "$@" \
              examples/data/astronaut.png 2>>"$tmp/err"; }
if train --crop-margin 0.2 --crop-shift-y 0.1 --out "$tmp/framed.emo"; then
    [ "$(faces --model "$tmp/framed.emo")" = \
      "$(faces --model "$tmp/std.emo" --crop-margin 0.2 --crop-shift-y 0.1)" ] ||
        bad "emo-train's stored framing is not emo-detect's override"
    [ "$(faces --model "$tmp/framed.emo")" != \
      "$(faces --model "$tmp/std.emo")" ] ||
        bad "emo-train --crop-margin/--crop-shift-y not stored"
else
    bad "emo-train --crop-margin 0.2 --crop-shift-y 0.1: $(cat "$tmp/err")"
fi
# --photometric is stored in the model; emo-eval's override says so on
# stderr; unknown modes and augmentation names are usage errors
if train --photometric clahe --augment mirror,lighting --out "$tmp/ph.emo"
then
    $B/emo-eval --model "$tmp/ph.emo" --folder "$tmp/faces" \
        --photometric none >/dev/null 2>"$tmp/err" &&
        grep -q "^emo-eval: note: --photometric none overrides the model's stored mode (clahe)" \
            "$tmp/err" || bad "emo-eval --photometric: $(cat "$tmp/err")"
else
    bad "emo-train --photometric clahe: $(cat "$tmp/err")"
fi
expect 2 "^emo-train: --photometric: 'flat' is not one of none, histeq" \
    $B/emo-train --folder d --photometric flat --out x.emo
expect 2 "^emo-eval: --photometric: 'flat' is not one of" \
    $B/emo-eval --model m --folder d --photometric flat
expect 2 "^emo-train: --augment: unknown 'sunburn'" \
    $B/emo-train --folder d --augment gamma,sunburn --out x.emo
if train --own-classes --out "$tmp/own.emo"; then
    [ "$(scores "$tmp/own.emo")" = "bored, happy, sad" ] ||
        bad "own-class model classes: $(scores "$tmp/own.emo")"
    $B/emo-eval --model "$tmp/own.emo" --folder "$tmp/faces" --json \
        2>"$tmp/err" | grep -q '"class_not_in_model": 0' ||
        bad "emo-eval: own classes not matched to the model"
else
    bad "emo-train --own-classes: $(cat "$tmp/err")"
fi
# On a 60-column terminal the progress line fits and keeps rate and ETA
# (script(1) gives the program a terminal; skipped without it).
if command -v script >/dev/null 2>&1; then
    script -q -c "stty cols 60; $B/emo-train --folder '$tmp/faces' --net \
lenet --epochs 2 --split none --out '$tmp/p.emo'" "$tmp/tty" >/dev/null 2>&1
    tr '\r' '\n' <"$tmp/tty" | sed 's/\x1b\[K//g' | grep 'img/s.*ETA' \
        >"$tmp/lines"
    [ -s "$tmp/lines" ] || bad "progress line without rate and ETA on 60 columns"
    awk 'length > 59 { print "check-cli: FAIL: progress line over 59 " \
        "columns: " $0; bad = 1 } END { exit bad }' "$tmp/lines" >&2 || fail=1
    # emo-live writes no video to a terminal: a usage error, exit 2
    script -q -c "$B/emo-live --annotate-y4m --input /dev/null 2>'$tmp/err'; \
echo \"exit=\$?\" >'$tmp/rc'" /dev/null >/dev/null 2>&1
    grep -q "^exit=2$" "$tmp/rc" ||
        bad "emo-live --annotate-y4m on a terminal: $(cat "$tmp/rc")"
    grep -q "^emo-live: --annotate-y4m .*terminal" "$tmp/err" ||
        bad "emo-live --annotate-y4m on a terminal: $(cat "$tmp/err")"
else
    echo "check-cli: progress width and video to a terminal skipped" \
        "(no script(1))"
fi
[ $fail = 0 ] && echo "check-cli: ok (help, version, man pages, usage errors, exit status, own classes, classes scored, calibration report, stored framing and its overrides, --out checked first, progress width, no video to a terminal)"
exit $fail
