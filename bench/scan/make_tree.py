#!/usr/bin/env python3
"""Generates a deterministic tree of MCP configuration files for the `bulkhead scan` throughput benchmark.

Usage: make_tree.py DIR [SIZE_MB]   (default 200 MB). Rewrites DIR. The mix: Claude/Cursor/Windsurf-style
mcpServers JSON, VS Code JSONC with comments and inputs, Codex TOML; each file holds 20-300 servers; about 2% of
env values are well-formed fake credentials, the rest references, placeholders, paths and ordinary settings.
"""
import json
import os
import random
import shutil
import sys

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def token(rng):
    kind = rng.randrange(6)
    s = lambda n, a=ALNUM: "".join(rng.choice(a) for _ in range(n))
    if kind == 0:
        return "ghp_" + s(36)
    if kind == 1:
        return "AKIA" + s(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    if kind == 2:
        return "xoxb-" + s(12, "0123456789") + "-" + s(13, "0123456789") + "-" + s(24)
    if kind == 3:
        return "sk_live_" + s(24)
    if kind == 4:
        return "glpat-" + s(20)
    return s(32)


def env_value(rng, name):
    r = rng.random()
    if r < 0.02:
        return token(rng)
    if r < 0.5:
        return "${env:" + name + "}"
    if r < 0.7:
        return "<your-" + name.lower().replace("_", "-") + ">"
    if r < 0.85:
        return "/home/dev/projects/" + "".join(rng.choice("abcdefgh") for _ in range(8))
    return rng.choice(["eu-west-1", "true", "false", "info", "8080", "production", "https://api.acme.dev/v2"])


def server(rng, i):
    names = ["GITHUB_TOKEN", "API_KEY", "LOG_LEVEL", "REGION", "DATA_DIR", "SLACK_BOT_TOKEN", "DB_URL", "MODE"]
    kind = rng.randrange(4)
    if kind == 0:
        srv = {"type": "http", "url": rng.choice(["https://mcp.acme.dev/mcp", "http://127.0.0.1:3000/mcp",
                                                  "http://internal.acme.dev/mcp"]),
               "headers": {"Authorization": "Bearer ${input:token-%d}" % i}}
    elif kind == 1:
        srv = {"command": "docker", "args": ["run", "-i", "--rm", "-e", "TOKEN", "mcp/server-%d:1.%d.0" % (i, i % 9)]}
    else:
        pkg = "@acme/mcp-server-%d" % i + ("@1.%d.%d" % (i % 7, i % 5) if rng.random() < 0.7 else "")
        srv = {"command": "npx", "args": ["-y", pkg, "--root", "/srv/data/%d" % i]}
    srv["env"] = {n: env_value(rng, n) for n in rng.sample(names, rng.randrange(2, 7))}
    return srv


def json_file(rng, n, jsonc):
    servers = {"server-%d" % i: server(rng, i) for i in range(n)}
    if jsonc:
        body = json.dumps({"inputs": [{"type": "promptString", "id": "token-1", "password": True}],
                           "servers": servers}, indent=2)
        return "// generated VS Code MCP configuration\n" + body.replace('\n  "servers"', '\n  /* servers */ "servers"', 1)
    return json.dumps({"mcpServers": servers}, indent=2)


def toml_file(rng, n):
    out = ['model = "gpt-5-codex"', ""]
    for i in range(n):
        srv = server(rng, i)
        out.append("[mcp_servers.server-%d]" % i)
        for k, v in srv.items():
            if isinstance(v, dict):
                continue
            out.append("%s = %s" % (k, json.dumps(v)))
        out.append("[mcp_servers.server-%d.env]" % i)
        for k, v in srv["env"].items():
            out.append("%s = %s" % (k, json.dumps(v)))
        out.append("")
    return "\n".join(out)


def main():
    root = sys.argv[1]
    size_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    target = size_mb * 1024 * 1024
    shutil.rmtree(root, ignore_errors=True)
    rng = random.Random(20261125)
    total = 0
    index = 0
    while total < target:
        n = rng.randrange(20, 300)
        kind = index % 10
        if kind < 6:
            text, name = json_file(rng, n, False), ["claude_desktop_config.json", ".mcp.json", "mcp.json"][index % 3]
        elif kind < 8:
            text, name = json_file(rng, n, True), "mcp.json"
        else:
            text, name = toml_file(rng, n), "config.toml"
        directory = os.path.join(root, "team-%02d" % (index % 40), "project-%05d" % index)
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, name), "w") as f:
            f.write(text)
        total += len(text.encode())
        index += 1
    print("%d files, %d bytes" % (index, total))


if __name__ == "__main__":
    main()
