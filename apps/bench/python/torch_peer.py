"""PyTorch's CPU optimizers, timed for the tsoptim benchmark (apps/bench/src/torch-peer.ts drives this).

One JSON request per line on stdin, one JSON answer per line on stdout:
  {"op": "prepare", "id": "a", "algo": "adam", "count": 1, "size": 10000000}  -> {"ok": true} | {"error": "..."}
  {"op": "step", "id": "a", "batch": 1}  -> {"seconds": t}   (batch steps, timed here)
  {"op": "state_bytes", "id": "a"}  -> {"bytes_per_param": b}
  {"op": "drop", "id": "a"}  -> {"ok": true}
The first line written is {"version": ..., "threads": torch's default intra-op threads, "cores": ...}.
Run as `python3 torch_peer.py THREADS`: torch.set_num_threads(THREADS) once at start (one process per thread
count: changing it between steps would rebuild the thread pool inside the timing).
Every optimizer uses lr=1e-3 and torch's defaults otherwise (SGD: momentum=0.9), as the TypeScript side does.
"""
import json
import os
import sys
import time

import torch

DEFAULT_THREADS = torch.get_num_threads()

ALGOS = {
    "sgd-momentum": lambda ps: torch.optim.SGD(ps, lr=1e-3, momentum=0.9),
    "adam": lambda ps: torch.optim.Adam(ps, lr=1e-3),
    "adamw": lambda ps: torch.optim.AdamW(ps, lr=1e-3),
    "adam-amsgrad": lambda ps: torch.optim.Adam(ps, lr=1e-3, amsgrad=True),
    "adamax": lambda ps: torch.optim.Adamax(ps, lr=1e-3),
    "nadam": lambda ps: torch.optim.NAdam(ps, lr=1e-3),
    "radam": lambda ps: torch.optim.RAdam(ps, lr=1e-3),
    "adagrad": lambda ps: torch.optim.Adagrad(ps, lr=1e-3),
    "adadelta": lambda ps: torch.optim.Adadelta(ps, lr=1e-3),
    "rmsprop": lambda ps: torch.optim.RMSprop(ps, lr=1e-3),
    "rprop": lambda ps: torch.optim.Rprop(ps, lr=1e-3),
    "asgd": lambda ps: torch.optim.ASGD(ps, lr=1e-3),
}


class Copy:
    """A STREAM-style copy, dst.copy_(src), as a 'step'."""

    def __init__(self, count, size):
        self.pairs = [(torch.full((size,), 1.0), torch.empty(size)) for _ in range(count)]
        self.state = {}
        self.params = []

    def step(self):
        for src, dst in self.pairs:
            dst.copy_(src)


def prepare(algo, count, size):
    if algo == "copy":
        return Copy(count, size)
    make = ALGOS.get(algo)
    if make is None:
        raise KeyError(f"torch has no '{algo}' here")
    ps = [torch.full((size,), 0.5, requires_grad=True) for _ in range(count)]
    for p in ps:
        p.grad = torch.full((size,), 0.01)
    opt = make(ps)
    opt.params = ps
    return opt


def state_bytes(opt):
    params = [p for g in opt.param_groups for p in g["params"]]
    n = sum(p.numel() for p in params)
    b = 0
    for p in params:
        for v in opt.state.get(p, {}).values():
            if torch.is_tensor(v):
                b += v.numel() * v.element_size()
    return b / n


def main():
    sets = {}
    if len(sys.argv) > 1:
        torch.set_num_threads(int(sys.argv[1]))
    print(json.dumps({"version": torch.__version__, "threads": DEFAULT_THREADS, "cores": os.cpu_count()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        op = req["op"]
        try:
            if op == "prepare":
                sets[req["id"]] = prepare(req["algo"], int(req["count"]), int(req["size"]))
                out = {"ok": True}
            elif op == "step":
                opt = sets[req["id"]]
                batch = int(req.get("batch", 1))
                t0 = time.perf_counter()
                for _ in range(batch):
                    opt.step()
                out = {"seconds": time.perf_counter() - t0}
            elif op == "state_bytes":
                out = {"bytes_per_param": state_bytes(sets[req["id"]])}
            elif op == "drop":
                sets.pop(req["id"], None)
                out = {"ok": True}
            else:
                out = {"error": f"unknown op {op}"}
        except Exception as e:  # noqa: BLE001 - reported to the caller
            out = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
