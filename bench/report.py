#!/usr/bin/env python3
"""Turns the result files of bench/run.sh into the generated section of docs/benchmarks.md.

Everything between the markers `<!-- bench:results:begin -->` and `<!-- bench:results:end -->` is replaced; text
outside them (method, how to read the goals) is kept as written.
"""
import argparse
import json
import os
import platform
import re

BEGIN = "<!-- bench:results:begin -->"
END = "<!-- bench:results:end -->"


def load_results(directory):
    runs = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if name.endswith(".json"):
            with open(path) as f:
                text = f.read().strip()
            try:
                runs[name[:-5]] = json.loads(text.splitlines()[0]) if text else {}
            except (json.JSONDecodeError, IndexError):
                runs[name[:-5]] = {"failed": True}
        elif name.endswith(".cpu"):
            with open(path) as f:
                runs.setdefault("_cpu", {})[name[:-4]] = [int(x) for x in f.read().split()]
    return runs


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fmt(value, digits=1):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def ok(run):
    return bool(run) and not run.get("failed") and run.get("requests", 0) > 0


def verdict(met):
    if met is None:
        return "n/a"
    return "yes" if met else "**no**"


def paired_rounds(runs, base, other):
    """Per round r1, r2, ...: (p50 added, p99 added, base run, other run) of `<other>-rN` over `<base>-rN`."""
    out = []
    i = 1
    while f"{base}-r{i}" in runs:
        b, o = runs.get(f"{base}-r{i}"), runs.get(f"{other}-r{i}")
        if ok(b) and ok(o):
            out.append((o["p50_us"] - b["p50_us"], o["p99_us"] - b["p99_us"], b, o))
        i += 1
    return out


def medians(rounds):
    """The median round by added p50 and the median round by added p99."""
    return (sorted(rounds, key=lambda r: r[0])[len(rounds) // 2], sorted(rounds, key=lambda r: r[1])[len(rounds) // 2])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--results", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--started", required=True)
    p.add_argument("--clk-tck", type=int, default=100)
    p.add_argument("--server-cpu", default="0")
    p.add_argument("--load-cpu", default="1")
    p.add_argument("--commit", default="unknown")
    p.add_argument("--peers", default="")
    p.add_argument("--sat-connections", default="32 64")
    p.add_argument("--peer-connections", default="16")
    p.add_argument("--loadavg", default="")
    p.add_argument("--gateway", default="")
    p.add_argument("--note", default="")
    a = p.parse_args()

    runs = load_results(a.results)
    cpu = runs.pop("_cpu", {})
    rss = runs.pop("rss", None)
    sat = a.sat_connections.split()
    lines = []
    w = lines.append

    w(f"## Results — {a.started}")
    w("")
    w(f"Machine: {os.cpu_count()} CPUs ({cpu_model()}), Linux {platform.release()}; commit `{a.commit}`. "
      f"Servers (echo upstream, gateway, peers) pinned to CPU {a.server_cpu} (`taskset -c {a.server_cpu}`), "
      f"load client pinned to CPU {a.load_cpu} (`taskset -c {a.load_cpu}`, busy-polling).")
    if a.peers:
        w(f"Peers: {a.peers}.")
    if a.gateway:
        w(f"Gateway binary: `{a.gateway}`.")
    if a.note:
        w(f"Note: {a.note}")
    if a.loadavg:
        la = a.loadavg.split()
        w(f"Load average (1/5/15 min) at start {' '.join(la[:3])}, at end {' '.join(la[3:6])} — the machine is shared, "
          "so absolute figures move between runs; compare rows of the same run.")
    w("")

    # Goals.
    # Low load: rounds alternate direct and gateway (and the gateway with audit / with auth); each comparison uses
    # the median round.
    rounds = paired_rounds(runs, "direct-low", "gateway-low")
    w("### Goals")
    w("")
    w("| Goal | Target | Measured | Met |")
    w("|---|---|---|---|")
    if rounds:
        by50, by99 = medians(rounds)
        w(f"| Added latency p50, 1 connection (median of {len(rounds)} rounds) | ≤ 50 µs | {fmt(by50[0])} µs "
          f"({fmt(by50[3]['p50_us'])} vs {fmt(by50[2]['p50_us'])} direct) | {verdict(by50[0] <= 50)} |")
        w(f"| Added latency p99, 1 connection (median of {len(rounds)} rounds) | ≤ 250 µs | {fmt(by99[1])} µs "
          f"({fmt(by99[3]['p99_us'])} vs {fmt(by99[2]['p99_us'])} direct) | {verdict(by99[1] <= 250)} |")
    else:
        w("| Added latency, 1 connection | p50 ≤ 50 µs, p99 ≤ 250 µs | not measured | n/a |")
    audit_rounds = paired_rounds(runs, "gateway-low", "gateway-audit-low")
    if audit_rounds:
        m50, m99 = medians(audit_rounds)
        w(f"| Audit added latency (durability sync: two fsync'ed records per tools/call), 1 connection, median of "
          f"{len(audit_rounds)} rounds | reported | p50 {fmt(m50[0])} µs ({fmt(m50[3]['p50_us'])} vs "
          f"{fmt(m50[2]['p50_us'])} without audit), p99 {fmt(m99[1])} µs ({fmt(m99[3]['p99_us'])} vs "
          f"{fmt(m99[2]['p99_us'])}) | — |")
    auth_rounds = paired_rounds(runs, "gateway-low", "gateway-auth-low")
    if auth_rounds:
        m50, m99 = medians(auth_rounds)
        w(f"| Authentication added latency (JWT-SVID bearer, EdDSA, cached verification), 1 connection, median of "
          f"{len(auth_rounds)} rounds | reported | p50 {fmt(m50[0])} µs ({fmt(m50[3]['p50_us'])} vs "
          f"{fmt(m50[2]['p50_us'])} without auth), p99 {fmt(m99[1])} µs | — |")
    for c in sat:
        d, g = runs.get(f"direct-sat-{c}"), runs.get(f"gateway-sat-{c}")
        if ok(d) and ok(g):
            ratio = g["rps"] / d["rps"]
            w(f"| Saturated throughput vs direct, {c} connections, echo upstream on the same core | ≥ 0.5× "
              f"(DESIGN.md; ≥ 0.8× applies to an upstream-bound server) | {ratio:.2f}× "
              f"({fmt(g['rps'], 0)} vs {fmt(d['rps'], 0)} req/s) | {verdict(ratio >= 0.5)} |")
    # Upstream-bound: alternating rounds after a warm-up; the goal row uses the median round's ratio.
    for prefix, layout in (("everything", "gateway and node share CPU 0"),
                           ("everything-split", "node alone on CPU 0, gateway on CPU 1 beside the sleeping load client")):
        everything = []
        i = 1
        while f"{prefix}-direct-r{i}" in runs:
            d, g = runs.get(f"{prefix}-direct-r{i}"), runs.get(f"{prefix}-gateway-r{i}")
            if ok(d) and ok(g):
                everything.append((g["rps"] / d["rps"], d, g))
            i += 1
        if everything:
            ratio, d, g = sorted(everything, key=lambda r: r[0])[len(everything) // 2]
            all_ratios = ", ".join(f"{r[0]:.2f}" for r in everything)
            pooled = sum(r[2]["rps"] for r in everything) / sum(r[1]["rps"] for r in everything)
            w(f"| Saturated throughput vs direct, upstream-bound (server-everything over HTTP, {g['connections']} "
              f"connections, {layout}; median of {len(everything)} rounds, order alternating, after a warm-up) | "
              f"≥ 0.8× | {ratio:.2f}× ({fmt(g['rps'], 0)} vs {fmt(d['rps'], 0)} req/s; rounds {all_ratios}; "
              f"all rounds pooled {pooled:.2f}×) | "
              f"{verdict(ratio >= 0.8)} |")
    gcpu = None
    for c in sat:
        g, ticks, dticks = runs.get(f"gateway-sat-{c}"), cpu.get(f"gateway-sat-{c}"), cpu.get(f"direct-sat-{c}")
        d = runs.get(f"direct-sat-{c}")
        if ok(g) and ticks and len(ticks) >= 2 and ticks[0] >= 0 and ok(d) and dticks and dticks[0] >= 0:
            gcpu = ticks[0] / a.clk_tck / g["requests"] * 1e6
            ecpu = dticks[0] / a.clk_tck / d["requests"] * 1e6
            w(f"| Gateway CPU per request ≤ echo upstream's CPU per request ({c} connections) | ≤ {fmt(ecpu)} µs "
              f"| {fmt(gcpu)} µs | {verdict(gcpu <= ecpu)} |")
            break
    b = runs.get("bulkhead-stdio-sat")
    for peer in ("supergateway", "mcp-proxy"):
        pr = runs.get(f"{peer}-sat")
        if ok(b) and ok(pr):
            ratio = b["rps"] / pr["rps"]
            w(f"| Throughput vs {peer}, stdio echo, {a.peer_connections} connections | ≥ 5× | {ratio:.1f}× "
              f"({fmt(b['rps'], 0)} vs {fmt(pr['rps'], 0)} req/s) | {verdict(ratio >= 5)} |")
        elif pr is not None or b is not None:
            w(f"| Throughput vs {peer}, stdio echo | ≥ 5× | run failed (see raw results) | n/a |")
    if rss and min(rss["rss_idle_kb"], rss["rss_sessions_kb"]) < 0:
        w("| RSS idle / with open sessions | reported | gateway exited during the run | n/a |")
    elif rss:
        s = rss.get("sessions", {})
        w(f"| RSS idle | reported | {fmt(rss['rss_idle_kb'] / 1024)} MiB | — |")
        w(f"| RSS with {s.get('opened', '?')} open sessions ({s.get('failed', '?')} failed) | reported | "
          f"{fmt(rss['rss_sessions_kb'] / 1024)} MiB (peak {fmt(rss['hwm_sessions_kb'] / 1024)} MiB; "
          f"{fmt((rss['rss_sessions_kb'] - rss['rss_idle_kb']) / max(1, s.get('opened', 0) or 1), 2)} KiB per "
          f"session) | — |")
    w("")

    # All load runs.
    w("### Every load run")
    w("")
    w("| Run | Target | Conns | Requests | Errors | req/s | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in runs.items():
        if name == "sessions" or not isinstance(r, dict) or "connections" not in r:
            if isinstance(r, dict) and r.get("failed"):
                w(f"| {name} | — | — | — | failed | — | — | — | — | — | — |")
            continue
        if r.get("requests", 0) == 0:
            w(f"| {name} | `{r.get('tool', '')}` | {r['connections']} | 0 | failed: {r.get('first_error', '')[:80]} "
              "| — | — | — | — | — | — |")
            continue
        w(f"| {name} | `{r.get('tool', '')}` | {r['connections']} | {r['requests']:,} | {r['errors']} | "
          f"{fmt(r['rps'], 0)} | {fmt(r['p50_us'])} | {fmt(r['p90_us'])} | {fmt(r['p99_us'])} | "
          f"{fmt(r['p999_us'])} | {fmt(r['max_us'])} |")
    w("")
    if cpu:
        w("### CPU time per request (saturated runs, utime+stime from /proc/PID/stat)")
        w("")
        w("| Run | Requests | Gateway µs/req | Upstream µs/req |")
        w("|---|---|---|---|")
        for name, ticks in cpu.items():
            r = runs.get(name)
            if not ok(r):
                continue
            per = [t / a.clk_tck / r["requests"] * 1e6 if t >= 0 else None for t in ticks]
            if name.startswith("gateway") or name.startswith(("everything-gateway", "everything-split-gateway")):
                w(f"| {name} | {r['requests']:,} | {fmt(per[0], 2)} | {fmt(per[1], 2) if len(per) > 1 else 'n/a'} |")
            else:
                w(f"| {name} | {r['requests']:,} | — | {fmt(per[0], 2)} |")
        w("")
    errors = [f"{n}: {r.get('first_error')}" for n, r in runs.items() if isinstance(r, dict) and r.get("first_error")]
    if errors:
        w("First error reported by a run: " + "; ".join(f"`{e[:200]}`" for e in errors))
        w("")
    w("<details><summary>Raw results (bulkhead-load JSON)</summary>")
    w("")
    w("```json")
    for name, r in runs.items():
        w(json.dumps(r, separators=(",", ":")))
    if rss:
        w(json.dumps(rss, separators=(",", ":")))
    w("```")
    w("</details>")

    section = "\n".join(lines)
    text = ""
    if os.path.exists(a.out):
        with open(a.out) as f:
            text = f.read()
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: f"{BEGIN}\n{section}\n{END}", text,
                      flags=re.S)
    else:
        text = (text.rstrip() + "\n\n" if text else "# Benchmarks\n\n") + f"{BEGIN}\n{section}\n{END}\n"
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
