#!/usr/bin/env python3
"""PyTorch oracle for libemo's CNN engine.

For each preset (lenet, default, caffenet, alexnet) the network text is read
back from libemo, rebuilt in torch and given libemo's weights; then
  1. forward probabilities (inference mode) are compared, and
  2. SGD steps (momentum 0.9, weight decay 5e-4, per-class loss weights)
     are checked one at a time against a float64 reference that starts
     each step from libemo's own weights and momentum, and finally the
     inference probabilities of the trained net.
Dropout is random in both libraries, so the training check uses the text
with dropout ratios set to 0 (the forward check uses the preset itself).

Why the reference matches routing decisions.  Max pooling and ReLU make
discrete choices.  Where two inputs of a pooling window differ by less than
float32 resolution (relative gaps of 1e-8..1e-7 occur in the 250x250 nets)
a float32 engine and the float64 reference may route the gradient to
different inputs; one such flip in pool5 changes the conv1 weight gradient
by ~1e-2 relative, in float32 PyTorch as in libemo (the cause of the
failures on AVX-512 machines: libemo's arithmetic was as accurate as
PyTorch's, its near-ties fell differently).  So the reference lists the
windows and ReLU inputs whose margin is below the forward error bound and,
when libemo's step is not within the bound of the plain float64 step,
fits the set of flips that explains libemo's step (the effect of each
candidate from one float64 backward pass, least squares over them, then
one exact pass with the chosen set).  A wrong gradient cannot be explained
that way; --break shows it.

The bound on each tensor's update (relative, normwise) follows from
float32 error analysis (Higham & Mary's probabilistic bound: a sum of n
rounded terms is within LAMBDA * sqrt(n) * u relative, u = 2^-24, with
overwhelming probability):
    tol = LAMBDA * u * sqrt(N) + 2 u ||w|| / ||dw||
where N adds the reduction lengths on the tensor's path (every forward
product, the backward products above the layer, the layer's own weight
gradient reduction over batch x positions) and the second term is the
rounding of the stored weights (w_next = w - v in float32).

Usage: oracle_torch.py LIB [--draws N] [--break LAYER] [preset ...]
Exit status 0 when every comparison is within its bound (with --break:
0 when the deliberately broken update was caught in every draw).
"""
import ctypes as C
import re
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FWD_TOL = 1e-4      # max |p_emo - p_torch| / max(p_torch)
LOSS_TOL = 1e-5     # relative, the loss of each step
U = 2.0 ** -24      # float32 unit roundoff
LAMBDA = 8.0        # probabilistic bound factor (tail ~ exp(-LAMBDA^2/2))
MAX_CANDIDATES = 48  # near-ties considered per step (smallest margins)
PER_LAYER_CANDIDATES = 8  # of them, at least this many per layer
BREAK_MULT = 1.001  # --break: one layer's updates 0.1 % too large

EMO_OPT_TRAIN_MOMENTUM = 306
EMO_OPT_TRAIN_WEIGHT_DECAY = 307
EMO_OPT_NET_THREADS = 200


def load_lib(path):
    lib = C.CDLL(path)
    vp, fp = C.c_void_p, C.POINTER(C.c_float)
    lib.emo_network_create_preset.argtypes = [C.c_char_p, C.c_int,
                                              C.POINTER(vp)]
    lib.emo_network_create_text.argtypes = [C.c_char_p, C.POINTER(vp)]
    lib.emo_network_destroy.argtypes = [vp]
    lib.emo_network_get_text.argtypes = [vp, C.c_char_p, C.c_size_t]
    lib.emo_network_get_param.argtypes = [vp, C.c_char_p, C.c_int, fp,
                                          C.c_size_t]
    lib.emo_network_forward.argtypes = [vp, fp, C.c_int, fp]
    lib.emo_network_train_step.argtypes = [vp, fp, C.POINTER(C.c_int),
                                           C.c_int, C.c_double, fp,
                                           C.POINTER(C.c_double)]
    lib.emo_network_set_float.argtypes = [vp, C.c_int, C.c_double]
    lib.emo_network_set_int.argtypes = [vp, C.c_int, C.c_int]
    lib.emo_last_error.restype = C.c_char_p
    return lib


def check(lib, rc, what):
    if rc < 0:
        raise RuntimeError("%s: %d %s" % (what, rc,
                                          lib.emo_last_error().decode()))
    return rc


def fptr(a):
    return a.ctypes.data_as(C.POINTER(C.c_float))


def parse_text(text):
    """Sections of the network text as (name, {key: value}) in order."""
    secs = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.match(r"^\[(.+)\]$", line)
        if m:
            secs.append((m.group(1).strip(), {}))
        else:
            k, v = [s.strip() for s in line.split("=", 1)]
            secs[-1][1][k] = v
    return secs


def build_torch(text):
    """torch.nn.Sequential equivalent to the text; returns (model,
    [(layer name, module)] of layers with parameters)."""
    secs = parse_text(text)
    net = secs[0][1]
    c = int(net.get("channels", 1))
    h = int(net.get("height", net.get("size")))
    w = int(net.get("width", net.get("size")))
    mods, named = [], []
    flat = False
    for name, kv in secs[1:]:
        t = kv["type"]
        gi = lambda k, d: int(kv.get(k, d))
        gf = lambda k, d: float(kv.get(k, d))
        if t == "conv":
            k, s, p, g = gi("size", 0), gi("stride", 1), gi("pad", 0), \
                gi("groups", 1)
            m = nn.Conv2d(c, gi("filters", 0), k, s, p, groups=g,
                          bias=bool(gi("bias", 1)))
            c = m.out_channels
            h, w = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
            named.append((name, m))
        elif t == "fc":
            if not flat:
                mods.append(nn.Flatten())
                flat = True
            m = nn.Linear(c * h * w, gi("outputs", 0),
                          bias=bool(gi("bias", 1)))
            c, h, w = m.out_features, 1, 1
            named.append((name, m))
        elif t == "relu":
            m = nn.ReLU()
        elif t in ("maxpool", "avgpool"):
            k, p = gi("size", 0), gi("pad", 0)
            s = gi("stride", k)
            if t == "maxpool":
                m = nn.MaxPool2d(k, s, p, ceil_mode=True)
            else:
                m = nn.AvgPool2d(k, s, p, ceil_mode=True,
                                 count_include_pad=True)
            x = torch.zeros(1, c, h, w)
            h, w = m(x).shape[2:]
        elif t == "gap":
            m = nn.AdaptiveAvgPool2d(1)
            h = w = 1
        elif t == "lrn":
            m = nn.LocalResponseNorm(gi("local_size", 5), gf("alpha", 1e-4),
                                     gf("beta", 0.75), gf("k", 1.0))
        elif t == "dropout":
            m = nn.Dropout(gf("ratio", 0.5))
        elif t == "bn":
            m = nn.BatchNorm2d(c, eps=gf("eps", 1e-5),
                               momentum=gf("momentum", 0.1))
            named.append((name, m))
        elif t == "softmax":
            continue  # the loss / probabilities are applied outside
        else:
            raise ValueError("unknown layer type " + t)
        if flat and t in ("bn",):
            raise ValueError("bn after fc is not supported by the oracle")
        mods.append(m)
    return nn.Sequential(*mods), named


def tensors_of(mod):
    """libemo parameter index -> torch tensor, for one module."""
    if isinstance(mod, nn.BatchNorm2d):
        return [mod.weight, mod.bias, mod.running_mean, mod.running_var]
    return [mod.weight] + ([mod.bias] if mod.bias is not None else [])


def get_param(lib, net, name, idx):
    n = check(lib, lib.emo_network_get_param(net, name.encode(), idx, None,
                                             0), "get_param size")
    buf = np.empty(n, np.float32)
    check(lib, lib.emo_network_get_param(net, name.encode(), idx, fptr(buf),
                                         n), "get_param")
    return buf


def copy_weights(lib, net, named):
    with torch.no_grad():
        for name, mod in named:
            for i, t in enumerate(tensors_of(mod)):
                t.copy_(torch.from_numpy(get_param(lib, net, name, i))
                        .view_as(t))


def get_text(lib, net):
    n = check(lib, lib.emo_network_get_text(net, None, 0), "get_text")
    buf = C.create_string_buffer(n + 1)
    lib.emo_network_get_text(net, buf, n + 1)
    return buf.value.decode()


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    scale = max(np.abs(b).max(), 1e-12)
    return float(np.abs(a - b).max() / scale)


def norm_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def input_shape(text):
    net = parse_text(text)[0][1]
    return (int(net.get("channels", 1)), int(net.get("height", net.get("size"))),
            int(net.get("width", net.get("size"))))


def forward_check(lib, preset, batch, rng):
    net = C.c_void_p()
    check(lib, lib.emo_network_create_preset(preset.encode(), 0,
                                             C.byref(net)), "create")
    text = get_text(lib, net)
    model, named = build_torch(text)
    copy_weights(lib, net, named)
    model.eval()
    shape = input_shape(text)
    x = rng.standard_normal((batch,) + shape).astype(np.float32)
    probs = np.empty((batch, 7), np.float32)
    check(lib, lib.emo_network_forward(net, fptr(x), batch, fptr(probs)),
          "forward")
    with torch.no_grad():
        ref = F.softmax(model(torch.from_numpy(x)), dim=1).numpy()
    lib.emo_network_destroy(net)
    return rel_err(probs, ref), text


# --- float64 reference with explicit routing decisions -------------------

def reduction_lengths(model, shape, batch):
    """Per module (forward K, backward-data K, weight-gradient K) of the
    products it computes, from a shape trace."""
    out = []
    h = torch.zeros((batch,) + shape, dtype=torch.float64)
    with torch.no_grad():
        for m in model:
            y = m(h)
            if isinstance(m, nn.Conv2d):
                k = m.kernel_size[0] * m.kernel_size[1]
                pos = y.shape[2] * y.shape[3]
                out.append((m.in_channels // m.groups * k,
                            m.out_channels // m.groups * k, batch * pos))
            elif isinstance(m, nn.Linear):
                out.append((m.in_features, m.out_features, batch))
            elif isinstance(m, nn.BatchNorm2d):
                n = batch * h.shape[2] * h.shape[3]
                out.append((n, n, n))
            elif isinstance(m, nn.LocalResponseNorm):
                out.append((m.size, m.size, 0))
            elif isinstance(m, (nn.AvgPool2d, nn.AdaptiveAvgPool2d)):
                n = h.shape[2] * h.shape[3] // max(1, y.shape[2] * y.shape[3])
                out.append((n, n, 0))
            else:
                out.append((0, 0, 0))
            h = y
    return out


def pool_top2(m, h):
    """Max-pool windows of h (N,C,H,W; ceil mode as the model): flat
    indices of the largest and second largest input of each window, and
    the two values."""
    k, s, p = m.kernel_size, m.stride, m.padding
    oh, ow = m(h).shape[2:]
    H, W = h.shape[2:]
    pr, pb = (ow - 1) * s + k - W - p, (oh - 1) * s + k - H - p
    hp = F.pad(h, (p, max(pr, 0), p, max(pb, 0)), value=-float("inf"))
    win = hp.unfold(2, k, s).unfold(3, k, s)[:, :, :oh, :ow]
    vals, loc = win.reshape(win.shape[:4] + (k * k,)).topk(2, dim=-1)
    oy = torch.arange(oh).view(1, 1, oh, 1, 1)
    ox = torch.arange(ow).view(1, 1, 1, ow, 1)
    iy, ix = oy * s - p + loc // k, ox * s - p + loc % k
    flat = (iy.clamp(0, H - 1) * W + ix.clamp(0, W - 1))
    return flat[..., 0], flat[..., 1], vals[..., 0], vals[..., 1]


class Routing:
    """The decisions of one ReLU (a mask) or max pool (the chosen input of
    each window), kept outside autograd so that a backward pass can be
    repeated with some of them flipped, without a new forward pass (a
    flip changes forward values by less than the near-tie margin)."""

    def __init__(self, chosen, other):
        self.base, self.other, self.now = chosen, other, chosen

    def flip(self, flat):
        self.now = self.base.clone()
        if flat:
            v = self.now.view(-1)
            v[flat] = self.other.view(-1)[flat]


class Routed(torch.autograd.Function):
    """y = x routed by r: a mask (ReLU) or a gather of window inputs."""

    @staticmethod
    def forward(ctx, x, r, pool):
        ctx.r, ctx.pool, ctx.shape = r, pool, x.shape
        if pool:
            n, c = x.shape[:2]
            return x.flatten(2).gather(2, r.now.view(n, c, -1)).view(
                r.now.shape)
        return x * r.now

    @staticmethod
    def backward(ctx, g):
        r = ctx.r
        if not ctx.pool:
            return g * r.now, None, None
        n, c = ctx.shape[:2]
        gx = torch.zeros(n, c, ctx.shape[2] * ctx.shape[3], dtype=g.dtype)
        gx.scatter_add_(2, r.now.view(n, c, -1), g.reshape(n, c, -1))
        return gx.view(ctx.shape), None, None


class Reference:
    """float64 copy of the network whose ReLU and max-pool decisions can be
    flipped.  A flip is (module index, flat indices that flip together)."""

    def __init__(self, text, batch):
        self.model, self.named = build_torch(text)
        self.model = self.model.double().train()
        self.mods = list(self.model)
        self.K = reduction_lengths(self.model, input_shape(text), batch)
        fwd = np.cumsum([k[0] for k in self.K])
        self.fwd_before = np.concatenate([[0], fwd[:-1]])  # per module
        self.fwd_total = fwd[-1]

    def tolerance_terms(self, classes):
        """N of every (layer name, tensor index), see the module text."""
        n = {}
        for name, m in self.named:
            i = self.mods.index(m)
            above = sum(k[1] for k in self.K[i + 1:])
            for t in range(len(tensors_of(m))):
                n[(name, t)] = self.fwd_total + above + self.K[i][2] + \
                    2 * classes
        return n

    def load(self, params):
        with torch.no_grad():
            for name, m in self.named:
                for i, t in enumerate(tensors_of(m)):
                    t.copy_(torch.from_numpy(params[(name, i)]).view_as(t))

    def _route(self, i, m, h):
        """Routing of module i on input h; appends its near-ties.  A
        candidate flip is a tuple of flat indices that flip together: one
        ReLU input, or every window of a pool whose two largest inputs are
        the same near-tied pair (overlapping windows share inputs, and a
        float32 engine orders the pair the same way in each of them)."""
        tol = LAMBDA * U * np.sqrt(max(self.fwd_before[i], 1))
        scale = float(h.abs().max()) or 1.0
        if isinstance(m, nn.ReLU):
            r = Routing(h > 0, h <= 0)
            margin = h.abs().flatten()
            groups = {(int(j),): [int(j)] for j in
                      torch.nonzero(margin < tol * scale).flatten()}
        else:
            i1, i2, v1, v2 = pool_top2(m, h)
            r = Routing(i1, i2)
            margin = (v1 - v2).flatten()
            # ties of exact zeros are ReLU outputs (or LRN of them): the
            # ReLU below stops the gradient of either input
            near = (margin < tol * scale) & (v1.flatten() != 0)
            plane = i1[0, 0].numel()
            groups = {}
            for j in torch.nonzero(near).flatten().tolist():
                pair = (j // plane, int(i1.view(-1)[j]), int(i2.view(-1)[j]))
                groups.setdefault(pair, []).append(j)
        # ranked in units of the layer's error bound: deep layers carry
        # more rounding, so their near-ties are likelier to flip
        self.cands += [(float(margin[js[0]]) / (scale * tol), (i, tuple(js)))
                       for js in groups.values()]
        self.routes[i] = r
        return r

    def forward(self, params, x, labels, cw):
        """Training forward from params; keeps the graph, the routings and
        the near-tie candidates.  Returns (BN running statistics, loss)."""
        self.load(params)
        self.routes, self.cands = {}, []
        h = torch.from_numpy(x).double()
        for i, m in enumerate(self.mods):
            if isinstance(m, (nn.ReLU, nn.MaxPool2d)):
                r = self._route(i, m, h.detach())
                h = Routed.apply(h, r, isinstance(m, nn.MaxPool2d))
            else:
                h = m(h)
        self.loss = F.cross_entropy(
            h, torch.from_numpy(labels.astype(np.int64)),
            weight=torch.from_numpy(cw).double())
        self.cands.sort(key=lambda c: c[0])
        # every layer's closest ties, then the closest of all: the margins
        # of different layers are not equally calibrated
        seen, first, rest = {}, [], []
        for c in self.cands:
            k = seen[c[1][0]] = seen.get(c[1][0], 0) + 1
            (first if k <= PER_LAYER_CANDIDATES else rest).append(c)
        self.cands = sorted(first + rest[:max(0, MAX_CANDIDATES -
                                              len(first))])
        stats = {(name, j): t.detach().numpy().ravel().copy()
                 for name, m in self.named
                 for j, t in enumerate(tensors_of(m)) if not t.requires_grad}
        return stats, self.loss.item()

    def grads(self, flips=()):
        """Gradients of the last forward with the given flips: all learned
        tensors without flips, else those a flip can change (the layers
        below the highest flipped module)."""
        top = max((i for i, _ in flips), default=len(self.mods))
        for i, r in self.routes.items():
            r.flip([j for mi, js in flips if mi == i for j in js])
        learned = [(name, j, t) for name, m in self.named
                   if self.mods.index(m) < top
                   for j, t in enumerate(tensors_of(m)) if t.requires_grad]
        gs = torch.autograd.grad(self.loss, [t for _, _, t in learned],
                                 retain_graph=True)
        return {(name, j): g.numpy().ravel()
                for (name, j, _), g in zip(learned, gs)}


class StepCheck:
    """libemo's step cur -> nxt against the float64 step from cur with
    libemo's momentum prev - cur: per tensor (error, bound).  The parts
    that do not depend on the gradient are computed once, since the
    flip search evaluates many gradients."""

    def __init__(self, cur, prev, nxt, lr, n_terms, mult):
        self.lr, self.parts = {}, {}
        for k in cur:
            lr_k = lr * mult.get(k[0], 1.0)
            # reference update: -(a + lr g); libemo's: nxt - cur
            a = 0.9 * (prev[k] - cur[k]) + lr_k * 5e-4 * cur[k]
            self.parts[k] = (a, nxt[k] - cur[k] + a, np.linalg.norm(nxt[k]))
            self.lr[k] = lr_k
        self.nxt, self.n_terms = nxt, n_terms

    def tol(self, k, g):
        """The bound of tensor k's relative update error (module text)."""
        a, _, wn = self.parts[k]
        dn = max(np.linalg.norm(a + self.lr[k] * g), 1e-30)
        return LAMBDA * U * np.sqrt(self.n_terms[k]) + 2 * U * wn / dn

    def errors(self, grads, stats=None):
        out = {}
        for k, g in grads.items():
            a, r, _ = self.parts[k]
            lg = self.lr[k] * g
            dn = max(np.linalg.norm(a + lg), 1e-30)
            out[k] = (np.linalg.norm(r + lg) / dn, self.tol(k, g))
        for k, st in (stats or {}).items():
            tol = LAMBDA * U * np.sqrt(self.n_terms[k]) + 2 * U
            out[k] = (norm_err(self.nxt[k], st), tol)
        return out


def badness(errs):
    """Sum of squared error/bound ratios (the flip fit's objective)
    and the largest ratio with its tensor."""
    r = {k: e / t for k, (e, t) in errs.items()}
    at = max(r, key=r.get)
    return sum(v * v for v in r.values()), r[at], "%s[%d]" % at


def fit_flips(sc, g0, effect):
    """Flips whose superposed effects best explain libemo's step: the
    least-squares weights of the effects (each tensor's misfit scaled by
    its bound), rounded to 0/1 (flips that must go together, like the
    windows of one tie, are found together), then a toggle of each
    undecided weight (0.2..0.8) when it lowers the misfit."""
    fs = list(effect)
    keys = {k for e in effect.values() for k in e}
    G = np.zeros((len(fs), len(fs)))
    h = np.zeros(len(fs))
    for k in keys:
        a, r, _ = sc.parts[k]
        lr = sc.lr[k]
        w = lr / (max(np.linalg.norm(a + lr * g0[k]), 1e-30) *
                  sc.tol(k, g0[k]))
        b = (r + lr * g0[k]) * (w / lr)
        idx = [i for i, f in enumerate(fs) if k in effect[f]]
        for x, i in enumerate(idx):
            ei = effect[fs[i]][k].astype(np.float64) * w
            h[i] += ei @ b
            for j in idx[x:]:
                G[i, j] = G[j, i] = G[i, j] + ei @ (effect[fs[j]][k] * w)
    c = np.linalg.lstsq(G, -h, rcond=None)[0]
    chosen = {f for f, ci in zip(fs, c) if ci >= 0.5}

    def misfit(flips):
        g = {k: g0[k] + sum(effect[f][k] for f in flips if k in effect[f])
             for k in keys}
        return badness(sc.errors(g))[0]
    best = misfit(chosen)
    for f, ci in zip(fs, c):
        if 0.2 < ci < 0.8:
            m = misfit(chosen ^ {f})
            if m < best:
                best, chosen = m, chosen ^ {f}
    return sorted(chosen)


def matched_step(ref, sc, x, labels, cw, cur):
    """The float64 step that best explains libemo's (sc, a StepCheck):
    plain routing first; if that is outside the bound, the effect of each
    near-tie flip alone (one backward pass each, kept as float32 for the
    tensors it changes), the set of flips fitted to libemo's step from
    those effects (fit_flips), and one exact backward pass with that set.
    Returns (worst ratio, tensor, flips, loss)."""
    st, loss = ref.forward(cur, x, labels, cw)
    g0 = ref.grads()
    errs = sc.errors(g0, st)
    best = badness(errs)
    if best[1] <= 1 or not ref.cands:
        return best[1], best[2], [], loss
    effect = {f: {k: (v - g0[k]).astype(np.float32)
                  for k, v in ref.grads([f]).items()}
              for _, f in ref.cands}
    flips = fit_flips(sc, g0, effect)
    if flips:  # exact, with any interaction between the flips
        errs.update(sc.errors(ref.grads(flips)))
        best = badness(errs)
    return best[1], best[2], flips, loss


def all_params(lib, net, names):
    return {(n, i): get_param(lib, net, n, i).astype(np.float64)
            for n, k in names for i in range(k)}


def train_check(lib, text, batch, rng, broken=None, steps=2, lr=0.01):
    """Steps libemo and checks each against the matched float64 step.
    Returns (worst ratio, where, flips per step, loss error, eval error)."""
    text = re.sub(r"ratio\s*=\s*[0-9.]+", "ratio = 0", text)
    net = C.c_void_p()
    check(lib, lib.emo_network_create_text(text.encode(), C.byref(net)),
          "create_text")
    lib.emo_network_set_float(net, EMO_OPT_TRAIN_MOMENTUM, 0.9)
    lib.emo_network_set_float(net, EMO_OPT_TRAIN_WEIGHT_DECAY, 5e-4)
    lib.emo_network_set_int(net, EMO_OPT_NET_THREADS, 2)  # parallel slices
    mult = {}
    if broken:
        check(lib, lib.emo_network_set_layer_lr(net, broken.encode(),
                                                BREAK_MULT, 1.0), "layer lr")
        mult[broken] = 1.0  # the reference keeps the true rate
    ref = Reference(text, batch)
    names = [(n, len(tensors_of(m))) for n, m in ref.named]
    x = rng.standard_normal((batch,) + input_shape(text)).astype(np.float32)
    labels = (np.arange(batch) % 7).astype(np.int32)
    cw = rng.uniform(0.5, 2.0, 7).astype(np.float32)
    n_terms = ref.tolerance_terms(7)
    cur = all_params(lib, net, names)
    prev = cur  # momentum starts at zero
    worst, where, flips, loss_err = 0.0, "", [], 0.0
    for _ in range(steps):
        loss = C.c_double()
        check(lib, lib.emo_network_train_step(
            net, fptr(x), labels.ctypes.data_as(C.POINTER(C.c_int)), batch,
            lr, fptr(cw), C.byref(loss)), "train_step")
        nxt = all_params(lib, net, names)
        sc = StepCheck(cur, prev, nxt, lr, n_terms, mult)
        r, at, fl, ref_loss = matched_step(ref, sc, x, labels, cw, cur)
        flips.append(len(fl))
        loss_err = max(loss_err, abs(loss.value - ref_loss) / abs(ref_loss))
        if r > worst:
            worst, where = r, at
        prev, cur = cur, nxt
    probs = np.empty((batch, 7), np.float32)
    check(lib, lib.emo_network_forward(net, fptr(x), batch, fptr(probs)),
          "forward")
    lib.emo_network_destroy(net)
    ref.load(cur)
    ref.model.eval()
    with torch.no_grad():
        ref_probs = F.softmax(ref.model(torch.from_numpy(x).double()), 1)
    return worst, where, flips, loss_err, rel_err(probs, ref_probs.numpy())


def parse_args(argv):
    lib, draws, broken, presets = "build/libemo.so.1", 1, None, []
    it = iter(argv)
    for a in it:
        if a == "--draws":
            draws = int(next(it))
        elif a == "--break":
            broken = next(it)
        elif a.endswith(".so") or ".so." in a:
            lib = a
        else:
            presets.append(a)
    return lib, draws, broken, presets or ["lenet", "default", "caffenet",
                                           "alexnet"]


def main():
    path, draws, broken, presets = parse_args(sys.argv[1:])
    lib = load_lib(path)
    lib.emo_network_set_layer_lr.argtypes = [C.c_void_p, C.c_char_p,
                                             C.c_double, C.c_double]
    torch.manual_seed(0)
    torch.set_num_threads(1)
    ok = True
    for draw in range(draws):
        rng = np.random.default_rng(1 + draw)
        for p in presets:
            big = p in ("caffenet", "alexnet")
            e_fwd, text = forward_check(lib, p, 2 if big else 8, rng)
            w, at, flips, le, ee = train_check(lib, text, 2 if big else 16,
                                               rng, broken)
            good = e_fwd <= FWD_TOL and le <= LOSS_TOL and ee <= FWD_TOL \
                and w <= 1
            if broken:
                good = w > 1  # the wrong update must be caught
            ok &= good
            print("oracle %-8s draw %d forward rel %.2e | SGD steps vs float64:"
                  " worst %.3f of bound (%s), near-tie flips %s, loss rel "
                  "%.1e, eval rel %.1e%s  %s"
                  % (p, draw + 1, e_fwd, w, at, "+".join(map(str, flips)), le,
                     ee, " [broken: %s lr x%g]" % (broken, BREAK_MULT)
                     if broken else "", "ok" if good else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
