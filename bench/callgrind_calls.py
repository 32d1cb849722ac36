#!/usr/bin/env python3
"""Call counts of functions in one callgrind.out file: `callgrind_calls.py FILE DIVISOR NAME-SUBSTRING...`;
with no names, the 40 most called functions."""
import collections
import sys

path, divisor = sys.argv[1], float(sys.argv[2])
wanted = sys.argv[3:]
names = {}
calls = collections.Counter()
callers = collections.defaultdict(collections.Counter)
fn = cfn = None
with open(path, errors="replace") as f:
    for line in f:
        if line.startswith("fn=") or line.startswith("cfn="):
            spec = line.split("=", 1)[1].strip()
            if spec.startswith("("):
                key, _, name = spec.partition(")")
                if name.strip():
                    names[key] = name.strip()
                spec = names.get(key, key)
            if line.startswith("fn="):
                fn = spec
            else:
                cfn = spec
        elif line.startswith("calls="):
            n = int(line[6:].split()[0])
            calls[cfn] += n
            callers[cfn][fn] += n
if not wanted:
    for name, n in calls.most_common(40):
        print(f"{n / divisor:10.2f}  {name[:150]}")
for w in wanted:
    for name, n in calls.items():
        if w == name or (w.endswith("*") and name.startswith(w[:-1])):
            print(f"{n / divisor:10.2f}  {name[:150]}")
            for caller, m in callers[name].most_common(12):
                print(f"      {m / divisor:8.2f} from {caller[:150]}")
