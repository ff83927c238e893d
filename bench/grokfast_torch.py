#!/usr/bin/env python3
"""Cross-check of GrokfastCompare in PyTorch: steps to val accuracy 0.95 on x*y mod 97 with the mlp97 MLP
(Embedding(97,128) x2 concat -> Linear(256,256) -> ReLU -> Linear(256,97)), full batch, AdamW, with and
without the Grokfast-EMA filter (the authors' gradfilter_ema: ema = a*ema + (1-a)*g, then g += lambda*ema).

  /usr/bin/python3 bench/grokfast_torch.py ema|none [--lr 1e-3] [--wd 1.0] [--steps 6000] [--seed 0]
      [--opt adamw|adam] [--batch 0] [--alpha 0.98] [--lamb 2.0]

--opt adam is torch.optim.Adam, whose weight_decay is an L2 term added to the gradient after the filter (the
Grokfast authors' optimizer); --batch N > 0 walks a fresh permutation of the training pairs N at a time.

Prints the step at which val accuracy first reached 0.95 (evaluated every 50 steps), or that it did not.
"""
import argparse, torch, torch.nn as nn, torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("arm", choices=["ema", "none"])
ap.add_argument("--lr", type=float, default=1e-3)
ap.add_argument("--wd", type=float, default=1.0)
ap.add_argument("--steps", type=int, default=6000)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--alpha", type=float, default=0.98)
ap.add_argument("--lamb", type=float, default=2.0)
ap.add_argument("--opt", choices=["adamw", "adam"], default="adamw")
ap.add_argument("--batch", type=int, default=0)
args = ap.parse_args()
torch.set_num_threads(1)
torch.manual_seed(args.seed)
p = 97
pairs = torch.randperm(p * p)
a, b = pairs // p, pairs % p
x, y = torch.stack([a, b], 1), (a * b) % p
n = len(y) // 2
xtr, ytr, xva, yva = x[:n], y[:n], x[n:], y[n:]


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed, self.hidden, self.out = nn.Embedding(p, 128), nn.Linear(256, 256), nn.Linear(256, p)

    def forward(self, t):  # t: (N, 2) token ids
        return self.out(F.relu(self.hidden(self.embed(t).flatten(1))))


model = MLP()
Opt = torch.optim.AdamW if args.opt == "adamw" else torch.optim.Adam
opt = Opt(model.parameters(), lr=args.lr, betas=(0.9, 0.98), weight_decay=args.wd)
order, cursor = None, 0


def next_batch():
    global order, cursor
    if args.batch <= 0:
        return xtr, ytr
    if order is None or cursor + args.batch > n:
        order, cursor = torch.randperm(n), 0
    idx = order[cursor:cursor + args.batch]
    cursor += args.batch
    return xtr[idx], ytr[idx]


ema = None
for step in range(args.steps + 1):
    if step % 50 == 0:
        with torch.no_grad():
            acc = (model(xva).argmax(1) == yva).float().mean().item()
            tr = (model(xtr).argmax(1) == ytr).float().mean().item()
        if step % 2000 == 0:
            print(f"step {step} train {tr:.3f} val {acc:.3f}", flush=True)
        if acc >= 0.95:
            print(f"{args.arm}: val {acc:.3f} >= 0.95 at step {step}")
            break
    xb, yb = next_batch()
    loss = F.cross_entropy(model(xb), yb)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if args.arm == "ema":
        with torch.no_grad():
            if ema is None:
                ema = {k: q.grad.clone() for k, q in model.named_parameters()}
            for k, q in model.named_parameters():
                ema[k].mul_(args.alpha).add_(q.grad, alpha=1 - args.alpha)
                q.grad.add_(ema[k], alpha=args.lamb)
    opt.step()
else:
    print(f"{args.arm}: val did not reach 0.95 in {args.steps} steps (last {acc:.3f})")
