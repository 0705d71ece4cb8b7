#!/bin/sh
# check-mpi.sh MAKE [PYTHON] - data-parallel training over MPI: two ranks
# (mpirun -np 2, loopback only) against one process running the same
# global batches (--shards 2), on a generated 7-class dataset and a small
# dropout-free net, 2 epochs of 4 steps; then the same with dropout
# (tests/fixtures/dropout-net.txt), a run stopped after epoch 1 and
# resumed against the uninterrupted one (bit-identical), and
# emo-detect-mpi on 2 ranks against emo-detect (byte for byte).  Two
# ranks and one process must end with the same weights within a relative
# 1e-4 (floor 1e-2: a convolution bias before a batch norm is rounding
# noise near 0).  Measured: 5e-7 after one step, 7e-6 after 3, 2.4e-5
# after 7, 1.3e-3 after 21 at lr 0.05: the summation-order differences
# grow as training goes on, as between any two thread counts.  The ranks'
# weights stay bit-identical (emo-train-mpi compares a checksum every
# epoch and stops otherwise).  Skips without Open MPI.
set -u
make=$1 py=${2:-/usr/bin/python3}
cd "$(dirname "$0")/.." || exit 1
if ! command -v mpicc >/dev/null 2>&1 || ! command -v mpirun >/dev/null 2>&1
then
    echo "mpi: skip (no mpicc/mpirun: sh tools/install-deps.sh build)"
    exit 0
fi
$make --no-print-directory mpi build/emo-detect >/dev/null ||
    { echo "mpi: FAIL: build"; exit 1; }
tmp=$(mktemp -d /tmp/emo-mpi-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$py" - "$tmp" <<'PYEOF' || { echo "mpi: FAIL: test data"; exit 1; }
import os, random, sys
root = sys.argv[1]
random.seed(5)
names = ["neutral", "anger", "disgust", "fear", "happy", "sad", "surprise"]
for c, n in enumerate(names):
    os.makedirs("%s/data/%s" % (root, n))
    for k in range(20):
        px = bytes(max(0, min(255, 128 + random.randint(-40, 40) +
                   (60 if (x * (c + 1) // 12 + y * (7 - c) // 16) % 2
                    else -60)))
                   for y in range(48) for x in range(48))
        with open("%s/data/%s/S%03d_%02d.pgm" % (root, n, k, c), "wb") as f:
            f.write(b"P5\n48 48\n255\n" + px)
with open(root + "/net.txt", "w") as f:
    f.write("[net]\nchannels = 1\nsize = 48\n"
            "[conv1]\ntype = conv\nfilters = 8\nsize = 3\npad = 1\n"
            "[bn1]\ntype = bn\n[relu1]\ntype = relu\n"
            "[pool1]\ntype = maxpool\nsize = 2\nstride = 2\n"
            "[conv2]\ntype = conv\nfilters = 16\nsize = 3\npad = 1\n"
            "[bn2]\ntype = bn\n[relu2]\ntype = relu\n"
            "[pool2]\ntype = maxpool\nsize = 2\nstride = 2\n"
            "[gap]\ntype = gap\n[fc]\ntype = fc\noutputs = 7\n"
            "[prob]\ntype = softmax\n")
PYEOF
# Loopback only, as root, two ranks on however many cores there are.
run="mpirun --oversubscribe --allow-run-as-root --mca btl self,vader,tcp
     --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo"
# --help and --version end every rank through MPI_Finalize (mpirun exits
# 0; without it, 1 and "exiting improperly"); a usage error exits 2.
for p in emo-train-mpi emo-detect-mpi emo-eval-mpi; do
    for a in --help --version; do
        $run -np 2 "build/$p" $a >"$tmp/exit.out" 2>"$tmp/exit.err" ||
            { echo "mpi: FAIL: mpirun -np 2 $p $a: exit $?"
              cat "$tmp/exit.err"; exit 1; }
        grep -q "$p" "$tmp/exit.out" ||
            { echo "mpi: FAIL: $p $a printed nothing"; exit 1; }
        # only rank 0 writes stdout: one text, not one per rank
        n=$(grep -c "^$p\|^Usage: $p\|^usage: $p" "$tmp/exit.out")
        [ "$n" = 1 ] ||
            { echo "mpi: FAIL: $p $a printed $n times"
              cat "$tmp/exit.out"; exit 1; }
    done
    $run -np 2 "build/$p" --bogus >/dev/null 2>"$tmp/exit.err"
    st=$?
    [ $st = 2 ] ||
        { echo "mpi: FAIL: mpirun -np 2 $p --bogus: exit $st, not 2"
          cat "$tmp/exit.err"; exit 1; }
done
echo "mpi: ok: --help and --version finalize MPI on every rank (exit 0)," \
     "printed once"
args="--folder $tmp/data --net $tmp/net.txt --batch 16 --epochs 2
      --max-steps 4 --lr 0.05 --mirror"
# shellcheck disable=SC2086
$run -np 2 build/emo-train-mpi $args --checkpoint "$tmp/ck.emo" \
    --out "$tmp/two.emo" > "$tmp/two.log" 2>&1 ||
    { echo "mpi: FAIL: mpirun -np 2"; cat "$tmp/two.log"; exit 1; }
# shellcheck disable=SC2086
$run -np 1 build/emo-train-mpi $args --shards 2 --out "$tmp/one.emo" \
    > "$tmp/one.log" 2>&1 ||
    { echo "mpi: FAIL: mpirun -np 1"; cat "$tmp/one.log"; exit 1; }
if [ "$(grep -c '^epoch' "$tmp/two.log")" != 2 ] || [ ! -f "$tmp/ck.emo" ]
then
    echo "mpi: FAIL: epochs or checkpoint missing"; cat "$tmp/two.log"; exit 1
fi
# compare A B WHAT: the largest relative difference of two models'
# weights must be within 1e-4.
cat > "$tmp/compare.py" <<'PYEOF'
import re, sys
import emo
a, b = emo.Network.load(sys.argv[1]), emo.Network.load(sys.argv[2])
worst, where, n = 0.0, "", 0
for layer in re.findall(r"^\[(\w+)\]", a.text, re.M):
    if layer == "net":
        continue
    for k in range(4):
        try:
            pa, pb = a.get_param(layer, k), b.get_param(layer, k)
        except emo.EmoError:
            break
        for u, v in zip(pa, pb):
            d = abs(u - v) / max(abs(v), 1e-2)
            if d > worst:
                worst, where = d, "%s[%d]" % (layer, k)
        n += len(pa)
ok = worst <= 1e-4 and n > 1000
print("mpi: %s: %s, %d weights, largest relative difference %.2g at %s "
      "(tolerance 1e-4)" % ("ok" if ok else "FAIL", sys.argv[3], n, worst,
                            where))
sys.exit(0 if ok else 1)
PYEOF
compare() {
    EMO_LIBRARY="$(pwd)/build/libemo.so.1" \
    PYTHONPATH="$(pwd)/bindings/python${PYTHONPATH:+:$PYTHONPATH}" \
    "$py" "$tmp/compare.py" "$@"
}
status=0
compare "$tmp/two.emo" "$tmp/one.emo" \
    "2 ranks vs 1 process (same global batches)" || status=1

# ---- dropout: masks per global image (EMO_OPT_TRAIN_BATCH_OFFSET) --------
# The same comparison on a net with two dropout layers: each rank numbers
# its images by their place in the global batch, so the masks are those of
# the one-process run.  (With both ranks numbering their images from 0,
# i.e. without the offset, measured: relative difference 7.3 in fc.)
dargs="--folder $tmp/data --net tests/fixtures/dropout-net.txt --batch 16
       --epochs 2 --max-steps 4 --lr 0.05 --mirror"
# shellcheck disable=SC2086
$run -np 2 build/emo-train-mpi $dargs --out "$tmp/dtwo.emo" \
    > "$tmp/dtwo.log" 2>&1 ||
    { echo "mpi: FAIL: dropout, mpirun -np 2"; cat "$tmp/dtwo.log"; exit 1; }
# shellcheck disable=SC2086
$run -np 1 build/emo-train-mpi $dargs --shards 2 --out "$tmp/done.emo" \
    > "$tmp/done.log" 2>&1 ||
    { echo "mpi: FAIL: dropout, mpirun -np 1"; cat "$tmp/done.log"; exit 1; }
compare "$tmp/dtwo.emo" "$tmp/done.emo" \
    "with dropout, 2 ranks vs 1 process" || status=1

# ---- resume: stopped after epoch 1 of 2, then --resume ------------------
# Two ranks, the dropout net, cosine rate: the run stopped after epoch 1
# (--stop-after 1, as a kill after the checkpoint) and resumed from its
# checkpoint (weights, momentum, step count, mean image) must end with the
# uninterrupted run's weights bit for bit: same checksum, same model file.
rargs="$dargs --lr-policy cosine"
resume_failed() {
    echo "mpi: FAIL: resume runs"; cat "$tmp"/full.log "$tmp"/part*.log
    exit 1
}
# shellcheck disable=SC2086
$run -np 2 build/emo-train-mpi $rargs --checkpoint "$tmp/full.ck" \
    --out "$tmp/full.emo" > "$tmp/full.log" 2>&1 || resume_failed
# shellcheck disable=SC2086
$run -np 2 build/emo-train-mpi $rargs --checkpoint "$tmp/part.ck" \
    --resume --stop-after 1 --out "$tmp/part.emo" > "$tmp/part1.log" 2>&1 ||
    resume_failed
# the stopped run must not have written the model: kept aside to check
if [ -e "$tmp/part.emo" ]; then mv "$tmp/part.emo" "$tmp/part1.emo"; fi
# shellcheck disable=SC2086
$run -np 2 build/emo-train-mpi $rargs --checkpoint "$tmp/part.ck" \
    --resume --out "$tmp/part.emo" > "$tmp/part2.log" 2>&1 || resume_failed
full=$(sed -n 's/^epoch 2\/2 .*weights //p' "$tmp/full.log")
part=$(sed -n 's/^epoch 2\/2 .*weights //p' "$tmp/part2.log")
if ! grep -q '^stopped after epoch 1' "$tmp/part1.log" ||
   grep -q '^epoch 2' "$tmp/part1.log" ||
   ! grep -q '^resumed from .* after epoch 1 (step 4)' "$tmp/part2.log" ||
   grep -q '^epoch 1' "$tmp/part2.log" || [ -e "$tmp/part1.emo" ] ||
   [ -z "$full" ] || [ "$full" != "$part" ] ||
   ! cmp -s "$tmp/full.emo" "$tmp/part.emo"; then
    echo "mpi: FAIL: stopped and resumed run differs from the uninterrupted"
    cat "$tmp"/full.log "$tmp"/part*.log
    status=1
else
    echo "mpi: ok: stopped after epoch 1 and resumed == uninterrupted" \
         "(bit-identical, weights $full)"
fi
# ---- emo-detect-mpi: a file list split over 2 ranks ----------------------
# Rank r takes the files at positions r, r + 2, ... in rounds of 16 per
# rank; rank 0 prints the lines in list order.  Over 45 files (the
# training images above, 48x48 crops; a photo twice; a missing file) the
# output and the exit status must be emo-detect's, byte for byte.
cp examples/data/astronaut.png "$tmp/astro 1.png"
cp examples/data/astronaut.png "$tmp/astro2.png"
set -- "$tmp/astro 1.png"
for f in "$tmp"/data/*/S00[0-5]_*.pgm; do set -- "$@" "$f"; done
set -- "$@" "$tmp/missing.png" "$tmp/astro2.png"
build/emo-detect --model models/default.emo "$@" > "$tmp/detect.one" \
    2> "$tmp/detect.err"
one=$?
$run -np 2 build/emo-detect-mpi --model models/default.emo "$@" \
    > "$tmp/detect.two" 2>> "$tmp/detect.err"
two=$?
if [ "$#" -lt 40 ] || [ "$one" != 1 ] || [ "$two" != 1 ] ||
   [ "$(wc -l < "$tmp/detect.one")" != "$#" ] ||
   ! grep -q '"label"' "$tmp/detect.one" ||
   ! cmp -s "$tmp/detect.one" "$tmp/detect.two"; then
    echo "mpi: FAIL: emo-detect-mpi (-np 2, exit $two) differs from" \
         "emo-detect (exit $one) over $# files"
    diff "$tmp/detect.one" "$tmp/detect.two" | head -5
    head -5 "$tmp/detect.err"
    status=1
else
    echo "mpi: ok: emo-detect-mpi -np 2 == emo-detect over $# files"
fi
# --- emo-eval-mpi: 2 and 3 ranks each classify every 2nd / 3rd image;
# their summed counts must give byte for byte the report of one emo-eval
# process (text and --json): the shipped model on generated faces, a
# folder tree with contempt (the 7-class model lacks it) and a folder
# that is no class, and a FER+ folder whose votes give the KL figure.
$make --no-print-directory build/emo-eval >/dev/null ||
    { echo "mpi: FAIL: build emo-eval"; exit 1; }
"$py" - "$tmp" <<'PYEOF' || { echo "mpi: FAIL: eval test data"; exit 1; }
import os, random, sys
root = sys.argv[1]
random.seed(9)
def face(c, k):
    return b"P5\n48 48\n255\n" + bytes(
        max(0, min(255, 128 + random.randint(-50, 50) +
                   (50 if (x * (c + 2) // 9 + y * (k + 3) // 11) % 2
                    else -50)))
        for y in range(48) for x in range(48))
names = ["neutral", "anger", "disgust", "fear", "happy", "sad", "surprise",
         "contempt", "bored"]
for c, n in enumerate(names):
    os.makedirs("%s/eval/%s" % (root, n))
    for k in range(5):
        with open("%s/eval/%s/S%03d_%02d.pgm" % (root, n, k, c), "wb") as f:
            f.write(face(c, k))
os.makedirs(root + "/ferplus")
with open(root + "/ferplus/label.csv", "w") as f:
    for k in range(23):
        with open("%s/ferplus/fer%04d.png.pgm" % (root, k), "wb") as g:
            g.write(face(k % 7, k))
        votes = [0] * 10
        votes[k % 8] = 6          # a majority (contempt: k = 7, 15)
        votes[(k + 3) % 8] = 2
        votes[(k + 5) % 10] += 1  # a single vote, dropped
        if k == 4:
            votes = [3, 3, 3, 1, 0, 0, 0, 0, 0, 0]  # no majority
        f.write('fer%04d.png.pgm,"(0, 0, 48, 48)",%s\n'
                % (k, ",".join(map(str, votes))))
PYEOF
eval_rc=0
for form in "" "--json"; do
    eargs="--model models/default.emo --folder $tmp/eval --ferplus
           $tmp/ferplus $form"
    # shellcheck disable=SC2086
    build/emo-eval $eargs >"$tmp/eval1" 2>"$tmp/eval1.err" ||
        { echo "mpi: FAIL: emo-eval $form"; cat "$tmp/eval1.err"; exit 1; }
    for np in 2 3; do
        # shellcheck disable=SC2086
        $run -np $np build/emo-eval-mpi $eargs >"$tmp/evaln" \
            2>"$tmp/evaln.err" ||
            { echo "mpi: FAIL: emo-eval-mpi -np $np $form"
              cat "$tmp/evaln.err"; exit 1; }
        cmp -s "$tmp/eval1" "$tmp/evaln" || {
            echo "mpi: FAIL: emo-eval-mpi -np $np $form differs from emo-eval"
            diff "$tmp/eval1" "$tmp/evaln"; eval_rc=1; }
    done
done
# the report counted what the fixture holds (not an empty report twice)
grep -q '"images": 55,' "$tmp/eval1" &&
    grep -q '"class_not_in_model_by_class": {"contempt": 7}' "$tmp/eval1" &&
    grep -q '"in_folders_naming_no_class": 5' "$tmp/eval1" &&
    grep -q '"ferplus_no_majority": 1' "$tmp/eval1" &&
    grep -q '"kl_images": 20' "$tmp/eval1" ||
    { echo "mpi: FAIL: emo-eval counts"; cat "$tmp/eval1"; eval_rc=1; }
[ $eval_rc = 0 ] && echo "mpi: ok: emo-eval-mpi -np 2 and -np 3 print" \
    "emo-eval's report byte for byte (text and --json)"
[ $eval_rc = 0 ] || status=1
exit $status
