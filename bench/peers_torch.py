"""PyTorch side of `bench/peers.ts`: one process, commands as JSON lines on stdin, one JSON line per command.

Usage: python3 bench/peers_torch.py   (Debian: apt-get install python3-torch libopenblas0-pthread)
Commands:
  {"kind": "setup", "vocab": V, "dim": D, "optimizer": "sgd" | "adagrad" | "sparse_adam"}  ->  {"ready": true}
      a new torch.nn.EmbeddingBag(V, D, mode='sum', sparse=True) filled with 0.01 and its optimizer:
      SGD(lr=0.1) | Adagrad(lr=0.1, initial_accumulator_value=0.1) | SparseAdam(lr=0.001).
  {"kind": "lookup" | "step", "ids": path of int32 ids ((reps + 1) batches of B*k), "B": B, "k": k, "reps": reps,
   "threads": n}  ->  {"times_ms": [...]} (the first batch is a warm-up, not timed).
      lookup: the bag's forward under no_grad; step: forward, backward of a ones gradient into a sparse gradient,
      optimizer.step().
  {"kind": "e2e", "dir": path, "epochs": E, "steps": S, "batch": B, "test": T, "users": NU, "movies": NM, "dim": D,
   "hidden": [...], "lr": lr, "threads": n}  ->  {"examples_per_s": x, "test_rmse": r, "train_s": s}
      the ranking model's twin (embeddings NU x D and NM x D, concatenated, Dense(hidden..., relu) -> Dense(1);
      truncated-normal tables (std 1/sqrt(D)), Glorot-uniform kernels, zero biases; MSE; one
      Adagrad(lr, initial_accumulator_value=0.1, eps=1e-7) for everything, sparse table gradients) trained on the
      batches in dir/train_{users,movies,ratings}.bin (E x S x B, in the TypeScript side's order) and evaluated
      on dir/test_*.bin (T examples).
"""
import json
import os
import sys
import time

import numpy as np
import torch


def e2e(cmd):
    torch.manual_seed(0)
    d = cmd["dir"]
    E, S, B, T = int(cmd["epochs"]), int(cmd["steps"]), int(cmd["batch"]), int(cmd["test"])
    dim = int(cmd["dim"])
    read = lambda name, dt: torch.from_numpy(np.fromfile(os.path.join(d, name), dtype=dt))
    tu, tm, tr = read("train_users.bin", np.int32).long(), read("train_movies.bin", np.int32).long(), read("train_ratings.bin", np.float32)
    vu, vm, vr = read("test_users.bin", np.int32).long(), read("test_movies.bin", np.int32).long(), read("test_ratings.bin", np.float32)
    assert tu.numel() == E * S * B and vu.numel() == T

    class Ranking(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.user = torch.nn.Embedding(int(cmd["users"]), dim, sparse=True)
            self.movie = torch.nn.Embedding(int(cmd["movies"]), dim, sparse=True)
            std = 1 / dim ** 0.5
            for t in (self.user, self.movie):
                torch.nn.init.trunc_normal_(t.weight, std=std, a=-2 * std, b=2 * std)
            layers, width = [], 2 * dim
            for h in cmd["hidden"]:
                layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
                width = h
            layers.append(torch.nn.Linear(width, 1))
            for layer in layers:
                if isinstance(layer, torch.nn.Linear):
                    torch.nn.init.xavier_uniform_(layer.weight)
                    torch.nn.init.zeros_(layer.bias)
            self.mlp = torch.nn.Sequential(*layers)

        def forward(self, u, m):
            return self.mlp(torch.cat([self.user(u), self.movie(m)], 1)).squeeze(1)

    model = Ranking()
    opt = torch.optim.Adagrad(model.parameters(), lr=float(cmd["lr"]), initial_accumulator_value=0.1, eps=1e-7)
    loss_fn = torch.nn.MSELoss()
    train_s = 0.0
    for e in range(E):
        t0 = time.perf_counter()
        for s in range(S):
            a, b = (e * S + s) * B, (e * S + s + 1) * B
            opt.zero_grad(set_to_none=True)
            loss_fn(model(tu[a:b], tm[a:b]), tr[a:b]).backward()
            opt.step()
        train_s += time.perf_counter() - t0
    with torch.no_grad():
        sq = 0.0
        for a in range(0, T, B):
            p = model(vu[a:a + B], vm[a:a + B])
            sq += float(((p - vr[a:a + B]) ** 2).sum())
    return {"examples_per_s": E * S * B / train_s, "test_rmse": (sq / T) ** 0.5, "train_s": train_s}


def main() -> None:
    print(json.dumps({"ready": True, "torch": torch.__version__, "blas": os.environ.get("LD_PRELOAD", "")}), flush=True)
    bag = opt = None
    dim = 0
    for line in sys.stdin:
        cmd = json.loads(line)
        torch.set_num_threads(int(cmd.get("threads", 1)))
        if cmd["kind"] == "setup":
            bag = opt = None
            vocab, dim = int(cmd["vocab"]), int(cmd["dim"])
            bag = torch.nn.EmbeddingBag(vocab, dim, mode="sum", sparse=True)
            with torch.no_grad():
                bag.weight.fill_(0.01)
            name = cmd["optimizer"]
            if name == "sgd":
                opt = torch.optim.SGD(bag.parameters(), lr=0.1)
            elif name == "adagrad":
                opt = torch.optim.Adagrad(bag.parameters(), lr=0.1, initial_accumulator_value=0.1)
            elif name == "sparse_adam":
                opt = torch.optim.SparseAdam(list(bag.parameters()), lr=0.001)
            else:
                raise ValueError(f"unknown optimizer {name}")
            print(json.dumps({"ready": True}), flush=True)
            continue
        if cmd["kind"] == "e2e":
            print(json.dumps(e2e(cmd)), flush=True)
            continue
        B, k, reps = int(cmd["B"]), int(cmd["k"]), int(cmd["reps"])
        flat = torch.from_numpy(np.fromfile(cmd["ids"], dtype=np.int32).astype(np.int64))
        batches = [flat[r * B * k:(r + 1) * B * k] for r in range(reps + 1)]
        offsets = torch.arange(0, B * k, k, dtype=torch.int64)
        ones = torch.ones(B, dim)
        times = []
        for r, ids in enumerate(batches):
            t0 = time.perf_counter()
            if cmd["kind"] == "lookup":
                with torch.no_grad():
                    bag(ids, offsets)
            else:
                opt.zero_grad(set_to_none=True)
                bag(ids, offsets).backward(ones)
                opt.step()
            dt = (time.perf_counter() - t0) * 1000
            if r > 0:
                times.append(dt)
        print(json.dumps({"times_ms": times}), flush=True)


if __name__ == "__main__":
    main()
