#!/usr/bin/env python3
"""Self cost (Ir) per function of one callgrind.out file, highest first: `callgrind_self.py FILE [N] [DIVISOR]`.
(callgrind_annotate misattributes dumps taken with callgrind_control; this reads the format directly.)"""
import collections
import sys

path = sys.argv[1]
top = int(sys.argv[2]) if len(sys.argv) > 2 else 60
divisor = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
names = {}
self_cost = collections.Counter()
fn = None
skip_next = False
with open(path, errors="replace") as f:
    for line in f:
        line = line.rstrip("\n")
        if skip_next:
            skip_next = False
            continue
        if line.startswith("fn="):
            spec = line[3:]
            if spec.startswith("("):
                key, _, name = spec.partition(")")
                key += ")"
                if name.strip():
                    names[key] = name.strip()
                fn = names.get(key, key)
            else:
                fn = spec
        elif line.startswith("calls="):
            skip_next = True  # the next line is the call's inclusive cost
        elif line and (line[0].isdigit() or line[0] in "+-*") and fn is not None:
            parts = line.split()
            if len(parts) >= 2:
                self_cost[fn] += int(parts[1])
total = sum(self_cost.values())
print(f"total {total:,} ({total / divisor:,.0f} per unit)")
for name, cost in self_cost.most_common(top):
    print(f"{cost / divisor:12,.0f} {100.0 * cost / total:5.1f}%  {name[:170]}")
