#!/usr/bin/env python3
"""A simple-grokking run trained by PyTorch, recorded as grokwatch step records (#13: forecast a foreign run).

  /usr/bin/python3 bench/forecast_torch.py --weight-decay 0.1 --train-fraction 0.6 --steps 5000 --seed 1 \
      --run torch-s1-wd0.1-f0.6 --out bench/runs/torch-simple-grokking/torch-s1-wd0.1-f0.6.jsonl
      [--eval-every 10] [--threads 1]

Then `grokwatch forecast-eval FILE.jsonl`, or `grokwatch ingest FILE.jsonl` to replay it onto grokwatch.metrics.

The recipe is grokwatch's `--preset simple-grokking` (trainer/.../train/Presets.java, model/Mlp.java,
optim/AdamW.java, task/Task.java, train/Trainer.java): x+y mod 53; shared Embedding(53,128), concat ->
Linear(256,128) -> ReLU -> Linear(128,53); torch.optim.AdamW lr 3e-2, betas (0.9, 0.999), eps 1e-8, decay on every
parameter; full batch; softmax cross-entropy (mean); evaluated every 10 steps and at the last step. The split is
grokwatch's own: the same seeded Fisher-Yates over pair indices x*53+y with java.util.SplittableRandom, re-implemented
below, so a seed gives the same train/val pairs as `grokwatch train --seed S`.

Step s's record describes the weights after s updates, as in the trainer: train loss/accuracy from step s's
full-batch forward, val from a forward on the val set, gradNorm the L2 norm of step s's raw gradient (before the
update), weightNorm the L2 norm of all parameters, weightDistance ||w - w0|| / ||w0|| over all parameters,
stepsPerSecond over the steps since the previous record (0 at step 0), time in epoch ms. Losses are reported in
float64 from the float32 logits, as the trainer's Loss does.

With --init-from CKPT the run starts from a grokwatch checkpoint (weights and AdamW moments, e.g. one written by
`grokwatch train ... --steps 1 --checkpoint-dir D --checkpoint-every 0`) instead of torch's init, to compare the two
trainers' step math from the same start.

What differs from grokwatch: the initialization has the same distributions (PyTorch's defaults: embedding N(0,1),
Linear weights and biases U(+-1/sqrt(fan_in))) but torch's generator, so the initial weights are not grokwatch's;
float32 kernels (torch's CPU BLAS vs ND4J's, and grokwatch's gathered layer-0 tables) differ in rounding. Not
implemented: minibatches, other presets, grad filters.
"""
import argparse
import json
import struct
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

M64 = (1 << 64) - 1


class SplittableRandom:
    """java.util.SplittableRandom(seed).nextInt(bound), bit for bit (JDK 17)."""

    GOLDEN_GAMMA = 0x9E3779B97F4A7C15

    def __init__(self, seed):
        self.seed = seed & M64

    def _next_int(self):  # mix32(nextSeed()) as a signed 32-bit int
        self.seed = (self.seed + self.GOLDEN_GAMMA) & M64
        z = self.seed
        z = ((z ^ (z >> 33)) * 0x62A9D9ED799705F5) & M64
        z = (((z ^ (z >> 28)) * 0xCB24D0A5C88C35B3) & M64) >> 32
        return z - (1 << 32) if z >= 1 << 31 else z

    def next_int(self, bound):
        r = self._next_int()
        m = bound - 1
        if bound & m == 0:
            return r & m
        u = (r & 0xFFFFFFFF) >> 1
        while True:
            r = u % bound
            if -(1 << 31) <= u + m - r < (1 << 31):  # Java's int overflow test: u + m - r < 0
                return r
            u = (self._next_int() & 0xFFFFFFFF) >> 1


def split(p, fraction, seed):
    """grokwatch's Task.create for x+y mod p: (train pair indices, val pair indices), each sorted."""
    pairs = list(range(p * p))
    rng = SplittableRandom(seed)
    for i in range(len(pairs) - 1, 0, -1):
        j = rng.next_int(i + 1)
        pairs[i], pairs[j] = pairs[j], pairs[i]
    n = int(fraction * len(pairs) + 0.5)  # Math.round
    return sorted(pairs[:n]), sorted(pairs[n:])


def load_checkpoint(path, model, opt):
    """Loads a grokwatch AdamW MLP checkpoint (trainer/.../checkpoint/CheckpointFile.java, format 1) into the torch
    model and optimizer: weights and both moments, transposed from grokwatch's (in, out) to torch's (out, in).
    Returns the checkpoint's step: the number of updates behind it."""
    b = open(path, "rb").read()
    if b[:8] != b"GWCKPT1\n":
        raise SystemExit(f"{path}: not a grokwatch checkpoint")
    h = struct.unpack("<I", b[8:12])[0]
    hdr = json.loads(b[16:16 + h])
    if hdr["optimizer"] != "AdamW" or hdr["filters"]:
        raise SystemExit(f"{path}: only plain AdamW checkpoints load here, got {hdr['optimizer']} {hdr['filters']}")
    data, off, tensors = b[16 + h:], 0, {}
    for t in hdr["tensors"]:
        raw = data[off:off + t["bytes"]]
        off += t["bytes"]
        dtype = {"float32": torch.float32, "float64": torch.float64, "int32": torch.int32}[t["dtype"]]
        tensors[t["name"]] = torch.frombuffer(bytearray(raw), dtype=dtype).reshape(t["shape"])
    names = {"embed.weight": model.embed.weight, "layers.0.weight": model.hidden.weight,
             "layers.0.bias": model.hidden.bias, "layers.1.weight": model.out.weight, "layers.1.bias": model.out.bias}

    def pieces(flat):  # grokwatch's flat vector -> torch-shaped tensors, in its params order
        out, at = {}, 0
        for prm in hdr["params"]:
            n = 1
            for d in prm["shape"]:
                n *= d
            x = flat[at:at + n].reshape(prm["shape"]).to(torch.float32)
            at += n
            target = names[prm["name"]]
            out[prm["name"]] = x.t().contiguous() if prm["name"].endswith("weight") and prm["name"] != "embed.weight" \
                else x.reshape(target.shape)
        return out

    values, m, v = (pieces(tensors[k]) for k in ("params", "optimizer.exp_avg", "optimizer.exp_avg_sq"))
    step = int(tensors["optimizer.step"][0].item())
    with torch.no_grad():
        for name, param in names.items():
            param.copy_(values[name])
            opt.state[param] = {"step": torch.tensor(float(step)), "exp_avg": m[name].clone(),
                                "exp_avg_sq": v[name].clone()}
    return hdr["step"]


class Mlp(nn.Module):
    def __init__(self, p, d, h):
        super().__init__()
        self.embed, self.hidden, self.out = nn.Embedding(p, d), nn.Linear(2 * d, h), nn.Linear(h, p)

    def forward(self, t):  # t: (N, 2) operand tokens
        return self.out(F.relu(self.hidden(self.embed(t).flatten(1))))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weight-decay", type=float, default=0.03)
    ap.add_argument("--train-fraction", type=float, default=0.6)
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eval-every", type=int, default=10)
    ap.add_argument("--run", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--init-from", metavar="CKPT",
                    help="start from a grokwatch checkpoint (weights and AdamW moments) instead of torch's init")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    p, lr = 53, 3e-2

    def tensors(idx):
        i = torch.tensor(idx)
        x, y = i // p, i % p
        return torch.stack([x, y], 1), (x + y) % p

    tr_idx, va_idx = split(p, a.train_fraction, a.seed)
    xtr, ytr = tensors(tr_idx)
    xva, yva = tensors(va_idx)
    model = Mlp(p, 128, 128)
    params = list(model.parameters())
    opt = torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=a.weight_decay)
    flat = lambda ts: torch.cat([t.reshape(-1) for t in ts])
    first = load_checkpoint(a.init_from, model, opt) if a.init_from else 0
    w0 = flat([q.detach() for q in params]).clone()
    w0_norm = w0.norm().item()

    def metrics(logits, y):
        return F.cross_entropy(logits.double(), y).item(), (logits.argmax(1) == y).double().mean().item()

    last_step, last_t = first, time.perf_counter()
    t_val = None
    with open(a.out, "w") as out:
        for step in range(first, a.steps + 1):
            update = step < a.steps
            logits = model(xtr)
            loss = F.cross_entropy(logits, ytr)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if step % a.eval_every == 0 or not update:
                with torch.no_grad():
                    tr_loss, tr_acc = metrics(logits, ytr)
                    va_loss, va_acc = metrics(model(xva), yva)
                    w = flat([q.detach() for q in params])
                    g = flat([q.grad for q in params])
                now = time.perf_counter()
                sps = 0.0 if step == last_step else (step - last_step) / (now - last_t)
                last_step, last_t = step, now
                rec = {"type": "step", "v": 1, "run": a.run, "step": step, "trainLoss": tr_loss, "trainAcc": tr_acc,
                       "valLoss": va_loss, "valAcc": va_acc, "time": int(time.time() * 1000),
                       "weightNorm": w.norm().item(), "weightDistance": (w - w0).norm().item() / w0_norm,
                       "gradNorm": g.norm().item(), "lr": lr, "stepsPerSecond": sps}
                out.write(json.dumps(rec, separators=(",", ":")) + "\n")
                if t_val is None and va_acc >= 0.9:
                    t_val = step
                if step % 1000 == 0:
                    print(f"step {step} train {tr_acc:.3f} val {va_acc:.3f} val loss {va_loss:.2f}", flush=True)
            if update:
                opt.step()
    print(f"{a.run}: t_val (val acc >= 0.9) = {t_val if t_val is not None else 'never'} of {a.steps} steps")


if __name__ == "__main__":
    main()
