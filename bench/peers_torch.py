"""PyTorch side of `bench/peers.ts`: one process, commands as JSON lines on stdin, one JSON line of times per command.

Usage: python3 bench/peers_torch.py VOCAB DIM   (Debian: apt-get install python3-torch libopenblas0-pthread)
Command: {"kind": "lookup" | "step", "ids": path of int32 ids ((reps + 1) batches of B*k), "B": B, "k": k,
          "reps": reps, "threads": n}  ->  {"times_ms": [...]} (the first batch is a warm-up, not timed).
lookup: torch.nn.EmbeddingBag(mode='sum') forward under no_grad; step: forward, backward of a ones gradient into
a sparse gradient, torch.optim.Adagrad(lr=0.1, initial_accumulator_value=0.1).step().
"""
import json
import sys
import time

import numpy as np
import torch


def main() -> None:
    vocab, dim = int(sys.argv[1]), int(sys.argv[2])
    torch.manual_seed(0)
    bag = torch.nn.EmbeddingBag(vocab, dim, mode="sum", sparse=True)
    with torch.no_grad():
        bag.weight.fill_(0.01)
    opt = torch.optim.Adagrad(bag.parameters(), lr=0.1, initial_accumulator_value=0.1)
    print(json.dumps({"ready": True, "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        torch.set_num_threads(int(cmd["threads"]))
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
