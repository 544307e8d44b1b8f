"""The README's fidelity table, torch side: reads fidelity.ts's output, runs torch's optimizer of every case on
the same gradient sequence (float32, CPU), and prints a Markdown table of how far tfjs's optimizer and
tsoptim's (through @tsoptim/tfjs) end from torch.

    /usr/bin/python3 packages/tfjs/scripts/fidelity.py /tmp/fidelity.json
"""
import json
import sys

import torch

data = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "fidelity.json"))
init = torch.tensor(data["init"], dtype=torch.float32)
grads = [torch.tensor(g, dtype=torch.float32) for g in data["grads"]]


def run(cls, kwargs):
    p = torch.nn.Parameter(init.clone())
    opt = getattr(torch.optim, cls)([p], **kwargs)
    out = []
    for g in grads:
        p.grad = g.clone()
        opt.step()
        out.append(p.detach().clone())
    return out


def worst(ours, ref, step):
    """Largest |Δ| after `step` steps, and as a share of how far torch moved the parameter (max |x − x0|)."""
    values = ours[step - 1]
    if any(v is None for v in values):  # JSON writes NaN as null
        return "NaN"
    got = torch.tensor(values, dtype=torch.float32)
    d = (got - ref[step - 1]).abs().max().item()
    share = 100 * d / (ref[step - 1] - init).abs().max().item()
    return f"{d:.1e} ({share:.0f} %)" if share >= 10 else f"{d:.1e} ({share:.2g} %)"


print(f"tfjs-core {data['tfjs']} (cpu backend) vs torch {torch.__version__} (CPU, float32); {len(grads)} steps of fixed gradients")
print()
print("| torch optimizer | tfjs call | tfjs: max \\|Δ\\| after 1 step | after 100 steps | tsoptim via @tsoptim/tfjs: after 100 steps |")
print("| --- | --- | --- | --- | --- |")
for r in data["results"]:
    cls, kwargs = r["torch"]
    ref = run(cls, kwargs)
    args = ", ".join(f"{k}={v}" for k, v in kwargs.items())
    print(f"| {cls}({args}) | `{r['tfjsCall']}` | {worst(r['tfjs'], ref, 1)} | {worst(r['tfjs'], ref, len(grads))} | {worst(r['ours'], ref, len(grads))} |")
