#!/bin/sh
# check-mpi.sh MAKE [PYTHON] - data-parallel training over MPI: two ranks
# (mpirun -np 2, loopback only) against one process running the same
# global batches (--shards 2), on a generated 7-class dataset and a small
# dropout-free net (dropout masks are drawn per process), 2 epochs of 4
# steps.  The two runs must end with the same weights within a relative
# 1e-4 (floor 1e-2: a convolution bias before a batch norm is rounding
# noise near 0).  Measured: 5e-7 after one step, 7e-6 after 3, 2.4e-5
# after 7, 1.3e-3 after 21 at lr 0.05: the summation-order differences
# grow as training goes on, as between any two thread counts.  The ranks'
# weights stay bit-identical (emo-train-mpi compares a checksum every
# epoch and stops otherwise).  Skips without Open MPI.
set -u
make=$1 py=${2:-/usr/bin/python3}
cd "$(dirname "$0")/.."
if ! command -v mpicc >/dev/null 2>&1 || ! command -v mpirun >/dev/null 2>&1
then
    echo "mpi: skip (no mpicc/mpirun: sh tools/install-deps.sh build)"
    exit 0
fi
$make --no-print-directory mpi >/dev/null || { echo "mpi: FAIL: build"; exit 1; }
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
EMO_LIBRARY="$(pwd)/build/libemo.so.1" \
PYTHONPATH="$(pwd)/bindings/python${PYTHONPATH:+:$PYTHONPATH}" \
"$py" - "$tmp/two.emo" "$tmp/one.emo" <<'PYEOF'
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
print("mpi: %s: 2 ranks vs 1 process (same global batches), %d weights, "
      "largest relative difference %.2g at %s (tolerance 1e-4)"
      % ("ok" if ok else "FAIL", n, worst, where))
sys.exit(0 if ok else 1)
PYEOF
train_rc=$?

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
[ $train_rc = 0 ] && [ $eval_rc = 0 ]
