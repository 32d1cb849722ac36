#!/usr/bin/env python3
"""Generates the labelled scan corpus (test/scan/corpus/**) and its expected findings.

Every configuration file is written from a template in which the labels are part of the text:
  {{T:kind}}        a fake but well-formed credential of that kind; expected finding of the kind's rule on this line
  {{S:kind:name}}   like T, but the same value for every use of `name` in the file (shared credentials)
  {{X:kind:name}}   like T, but the same value for every use of `name` in the whole corpus (shared across files;
                    the BH015 expectations are written with {{!BH015}}, since not every use makes one)
  {{!BH0xx}}        an expected finding of rule BH0xx on this line (removed from the output)
The generator replaces the markers, and writes `<file>.expected` next to each file: one `RULE LINE` per expected
finding. Values are deterministic (seeded by file name), so re-running produces the same corpus.

Usage: python3 test/scan/corpus/generate.py   (rewrites the corpus in place; commit the result)
"""
import base64
import hashlib
import json
import os
import random
import re
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
UPPER_NUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "_-"
HEX = "0123456789abcdef"

RULE_OF = {
    "github": "BH001", "github_pat": "BH001", "gitlab": "BH002", "aws_id": "BH003", "aws_secret": "BH003",
    "google": "BH004", "google_oauth": "BH004", "slack": "BH005", "slack_webhook": "BH005", "stripe": "BH006",
    "openai": "BH007", "anthropic": "BH008", "azure_storage": "BH009", "azure_secret": "BH009", "jwt": "BH010",
    "private_key": "BH011", "npm": "BH012", "hf": "BH012", "sendgrid": "BH012", "linear": "BH012",
    "tavily": "BH012", "notion": "BH012", "groq": "BH012", "generic": "BH013", "generic_hex": "BH013",
    "password": "BH013", "url_password": "BH014", "url_query": "BH014",
}


class Tokens:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def s(self, alphabet, n):
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def b64url(self, raw):
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def make(self, kind):
        r = self.s
        if kind == "github":
            return "ghp_" + r(ALNUM, 36)
        if kind == "github_pat":
            return "github_pat_" + r(ALNUM, 22) + "_" + r(ALNUM, 59)
        if kind == "gitlab":
            return "glpat-" + r(ALNUM, 20)
        if kind == "aws_id":
            return "AKIA" + r(UPPER_NUM, 16)
        if kind == "aws_secret":
            return r(B64, 40)
        if kind == "google":
            return "AIza" + r(URLSAFE, 35)
        if kind == "google_oauth":
            return "GOCSPX-" + r(URLSAFE, 28)
        if kind == "slack":
            return "xoxb-" + r("0123456789", 12) + "-" + r("0123456789", 13) + "-" + r(ALNUM, 24)
        if kind == "slack_webhook":
            return ("https://hooks.slack.com/services/T" + r(UPPER_NUM, 10) + "/B" + r(UPPER_NUM, 10) + "/" +
                    r(ALNUM, 24))
        if kind == "stripe":
            return "sk_live_" + r(ALNUM, 24)
        if kind == "openai":
            return "sk-proj-" + r(URLSAFE, 74) + "T3BlbkFJ" + r(URLSAFE, 74)
        if kind == "anthropic":
            return "sk-ant-api03-" + r(URLSAFE, 93) + "AA"
        if kind == "azure_storage":
            return ("DefaultEndpointsProtocol=https;AccountName=contosodata;AccountKey=" + r(B64, 86) +
                    "==;EndpointSuffix=core.windows.net")
        if kind == "azure_secret":
            return r(ALNUM, 3) + "8Q~" + r(ALNUM + "_~.-", 34)
        if kind == "jwt":
            header = self.b64url(b'{"alg":"HS256","typ":"JWT"}')
            payload = self.b64url(json.dumps({"sub": r(ALNUM, 12), "iat": 1764000000 + self.rng.randrange(99999),
                                              "scope": "repo"}).encode())
            return header + "." + payload + "." + r(URLSAFE, 43)
        if kind == "private_key":
            body = "MIIEow" + r(B64, 250)
            lines = [body[i:i + 64] for i in range(0, len(body), 64)]
            return "-----BEGIN RSA PRIVATE KEY-----\\n" + "\\n".join(lines) + "\\n-----END RSA PRIVATE KEY-----\\n"
        if kind == "npm":
            return "npm_" + r(ALNUM, 36)
        if kind == "hf":
            return "hf_" + r("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 34)
        if kind == "sendgrid":
            return "SG." + r(URLSAFE, 22) + "." + r(URLSAFE, 43)
        if kind == "linear":
            return "lin_api_" + r(ALNUM, 40)
        if kind == "tavily":
            return "tvly-" + r(ALNUM, 32)
        if kind == "notion":
            return "ntn_" + r("0123456789", 11) + r(ALNUM, 35)
        if kind == "groq":
            return "gsk_" + r(ALNUM, 52)
        if kind == "generic":
            return r(ALNUM, 20) + r("!#%^*-_", 2) + r(ALNUM, 10)
        if kind == "generic_hex":
            return r(HEX, 32)
        if kind == "password":
            return r(ALNUM, 14) + "!" + r(ALNUM, 3)
        if kind == "url_password":
            return r(ALNUM, 18)
        if kind == "url_query":
            return r(ALNUM, 32)
        raise ValueError(kind)


MARKER = re.compile(r"\{\{(T|S|X):([a-z_]+)(?::([a-z0-9_]+))?\}\}|\{\{!(BH\d{3})\}\}")

CROSS_TOKENS = Tokens("cross-file")
CROSS = {}


def render(name, template):
    tokens = Tokens(hashlib.sha256(name.encode()).hexdigest())
    shared = {}
    expected = []
    out_lines = []
    for number, line in enumerate(template.split("\n"), start=1):
        def replace(m):
            if m.group(4):
                expected.append((m.group(4), number))
                return ""
            kind = m.group(2)
            if m.group(1) == "S":
                value = shared.setdefault(m.group(3), tokens.make(kind))
            elif m.group(1) == "X":
                if m.group(3) not in CROSS:
                    CROSS[m.group(3)] = CROSS_TOKENS.make(kind)
                value = CROSS[m.group(3)]
            else:
                value = tokens.make(kind)
            expected.append((RULE_OF[kind], number))
            return value
        out_lines.append(MARKER.sub(replace, line))
    return "\n".join(out_lines), expected


# ---- building blocks ---------------------------------------------------------------------------------------------

def j(value):
    """A JSON string literal whose markers survive (markers contain no characters JSON escapes)."""
    return json.dumps(value)


def json_server(name, srv, indent="    "):
    """One server object, one key per line, so markers land on predictable lines."""
    lines = [f"{indent}{j(name)}: {{"]
    body = []
    for key, value in srv.items():
        if isinstance(value, dict):
            inner = [f"{indent}    {j(k)}: {j(v) if not isinstance(v, (bool, list)) else json.dumps(v)}"
                     for k, v in value.items()]
            body.append(f"{indent}  {j(key)}: {{\n" + ",\n".join(inner) + f"\n{indent}  }}")
        elif isinstance(value, list):
            items = [f"{indent}    {j(v)}" for v in value]
            body.append(f"{indent}  {j(key)}: [\n" + ",\n".join(items) + f"\n{indent}  ]")
        else:
            body.append(f"{indent}  {j(key)}: {json.dumps(value)}")
    lines.append(",\n".join(body))
    lines.append(f"{indent}}}")
    return "\n".join(lines)


def mcp_servers_file(servers, top="mcpServers", extra_before=""):
    inner = ",\n".join(json_server(n, s) for n, s in servers)
    return "{\n" + extra_before + f'  "{top}": {{\n' + inner + "\n  }\n}\n"


def vscode_file(servers, inputs=None):
    head = "// VS Code workspace MCP servers (.vscode/mcp.json)\n{\n"
    if inputs:
        items = ",\n".join("    " + json.dumps(i) for i in inputs)
        head += '  "inputs": [\n' + items + "\n  ],\n"
    inner = ",\n".join(json_server(n, s) for n, s in servers)
    return head + '  "servers": {\n' + inner + "\n  }\n}\n"


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return json.dumps(v)


def codex_file(servers):
    out = ["# Codex CLI configuration (~/.codex/config.toml)", 'model = "gpt-5-codex"', ""]
    for name, srv in servers:
        out.append(f"[mcp_servers.{name}]")
        tables = []
        for key, value in srv.items():
            if isinstance(value, dict):
                tables.append((key, value))
            else:
                out.append(f"{key} = {toml_value(value)}")
        for key, table in tables:
            out.append("")
            out.append(f"[mcp_servers.{name}.{key}]")
            for k, v in table.items():
                out.append(f"{k} = {toml_value(v)}")
        out.append("")
    return "\n".join(out)


# ---- scenarios: lists of (server name, server) --------------------------------------------------------------------

def gh(kind="github"):
    return ("github", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"],
                       "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "{{T:%s}}" % kind}})


def scenarios():
    s = {}
    s["github_token"] = [gh("github")]
    s["github_pat"] = [gh("github_pat")]
    s["gitlab"] = [("gitlab", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-gitlab@0.6.2"],
                               "env": {"GITLAB_PERSONAL_ACCESS_TOKEN": "{{T:gitlab}}",
                                       "GITLAB_API_URL": "https://gitlab.com/api/v4"}})]
    s["aws"] = [("aws-kb", {"command": "uvx", "args": ["awslabs.aws-documentation-mcp-server==1.1.2"],
                            "env": {"AWS_ACCESS_KEY_ID": "{{T:aws_id}}", "AWS_SECRET_ACCESS_KEY": "{{T:aws_secret}}",
                                    "AWS_REGION": "eu-west-1"}})]
    s["google"] = [("maps", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-google-maps@0.6.2"],
                             "env": {"GOOGLE_MAPS_API_KEY": "{{T:google}}"}}),
                   ("gdrive", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-gdrive@2025.1.14"],
                               "env": {"GDRIVE_CLIENT_SECRET": "{{T:google_oauth}}",
                                       "GDRIVE_CLIENT_ID": "1234-abc.apps.googleusercontent.com"}})]
    s["slack"] = [("slack", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-slack@2025.4.25"],
                             "env": {"SLACK_BOT_TOKEN": "{{T:slack}}", "SLACK_TEAM_ID": "T01234567"}}),
                  ("notify", {"command": "node", "args": ["/opt/notify/index.js"],
                              "env": {"WEBHOOK": "{{T:slack_webhook}}"}})]
    s["stripe"] = [("stripe", {"command": "npx", "args": ["-y", "@stripe/mcp@0.2.4", "--tools=all",
                                                          "--api-key={{T:stripe}}"]})]
    s["openai"] = [("openai", {"command": "node", "args": ["server.js"],
                               "env": {"OPENAI_API_KEY": "{{T:openai}}"}})]
    s["anthropic"] = [("claude-proxy", {"command": "python3", "args": ["-m", "claude_proxy"],
                                        "env": {"ANTHROPIC_API_KEY": "{{T:anthropic}}"}})]
    s["azure"] = [("azure-storage", {"command": "node", "args": ["dist/index.js"],
                                     "env": {"AZURE_STORAGE_CONNECTION_STRING": "{{T:azure_storage}}",
                                             "AZURE_CLIENT_SECRET": "{{T:azure_secret}}",
                                             "AZURE_TENANT_ID": "72f988bf-86f1-41af-91ab-2d7cd011db47"}})]
    s["remote_jwt"] = [("crm", {"type": "http", "url": "https://mcp.crm.acme.dev/mcp",
                                "headers": {"Authorization": "Bearer {{T:jwt}}"}})]
    s["private_key"] = [("ssh", {"command": "node", "args": ["ssh-mcp.js"],
                                 "env": {"SSH_PRIVATE_KEY": "{{T:private_key}}", "SSH_HOST": "bastion.acme.dev"}})]
    s["providers"] = [("hf", {"command": "uvx", "args": ["huggingface-mcp==0.3.1"], "env": {"HF_TOKEN": "{{T:hf}}"}}),
                      ("mail", {"command": "node", "args": ["mail.js"], "env": {"SENDGRID_API_KEY": "{{T:sendgrid}}"}}),
                      ("npm", {"command": "node", "args": ["npm.js"], "env": {"NPM_TOKEN": "{{T:npm}}"}})]
    s["providers2"] = [("linear", {"command": "npx", "args": ["-y", "linear-mcp-server@0.1.0"],
                                   "env": {"LINEAR_API_KEY": "{{T:linear}}"}}),
                       ("search", {"command": "npx", "args": ["-y", "tavily-mcp@0.2.1"],
                                   "env": {"TAVILY_API_KEY": "{{T:tavily}}"}}),
                       ("notion", {"command": "npx", "args": ["-y", "@notionhq/notion-mcp-server@1.8.1"],
                                   "env": {"NOTION_TOKEN": "{{T:notion}}"}}),
                       ("groq", {"command": "node", "args": ["groq.js"], "env": {"GROQ_API_KEY": "{{T:groq}}"}})]
    s["generic"] = [("datadog", {"command": "npx", "args": ["-y", "datadog-mcp@1.4.0"],
                                 "env": {"DD_API_KEY": "{{T:generic_hex}}", "DD_APP_KEY": "{{T:generic_hex}}",
                                         "DD_SITE": "datadoghq.eu"}}),
                    ("internal", {"command": "node", "args": ["internal.js"],
                                  "env": {"INTERNAL_API_TOKEN": "{{T:generic}}", "DB_PASSWORD": "{{T:password}}"}})]
    s["url_creds"] = [("postgres", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-postgres@0.6.2",
                                                              "postgresql://app:{{T:url_password}}@db.acme.internal:5432/app"]}),
                      ("weather", {"type": "sse", "url": "https://weather.acme.dev/sse?api_key={{T:url_query}}"})]
    s["shared"] = [("github", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"],
                               "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "{{S:github:one}}{{!BH015}}"}}),
                   ("github-issues", {"command": "node", "args": ["issues.js"],
                                      "env": {"GH_TOKEN": "{{S:github:one}}{{!BH015}}"}})]
    s["http_remote"] = [("wiki", {"type": "http", "url": "http://wiki.acme.internal:8080/mcp{{!BH020}}"}),
                        ("local", {"type": "http", "url": "http://127.0.0.1:3001/mcp"}),
                        ("localhost", {"type": "sse", "url": "http://localhost:8931/sse"})]
    s["unpinned"] = [("fs", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem{{!BH021}}",
                                                         "/Users/me/projects"]}),
                     ("fetch", {"command": "uvx", "args": ["mcp-server-fetch{{!BH021}}"]}),
                     ("pinned", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory@2025.4.25"]})]
    s["docker"] = [("gh-docker", {"command": "docker", "args": [
        "run", "-i", "--rm", "--privileged{{!BH022}}", "-v", "/:/host{{!BH022}}", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN",
        "ghcr.io/github/github-mcp-server:latest{{!BH021}}"], "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${env:GH_PAT}"}}),
        ("docker-pinned", {"command": "docker", "args": ["run", "-i", "--rm", "mcp/time@sha256:" + "ab" * 32]})]
    s["shell"] = [("wrapped", {"command": "bash", "args": ["-c", "cd $HOME/tools && exec node server.js --token $TOKEN{{!BH023}}"]}),
                  ("plain-sh", {"command": "sh", "args": ["-c", "exec node server.js"]})]
    s["passthrough"] = [("remote", {"type": "http", "url": "https://mcp.partner.io/mcp",
                                    "headers": {"Authorization": "${header:Authorization}{{!BH024}}"}}),
                        ("proxy", {"type": "http", "url": "https://proxy.partner.io/mcp", "forwardAuthorization{{!BH024}}": True})]
    s["autoapprove"] = [("fs", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.3.28", "/tmp"],
                                "alwaysAllow{{!BH030}}": ["*"]})]
    # negatives
    s["neg_env_refs"] = [("github", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"],
                                     "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${env:GITHUB_TOKEN}"}}),
                         ("slack", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-slack@2025.4.25"],
                                    "env": {"SLACK_BOT_TOKEN": "${SLACK_BOT_TOKEN}", "SLACK_TEAM_ID": "T0123ABCD"}})]
    s["neg_placeholders"] = [("github", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"],
                                         "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "<YOUR_TOKEN>"}}),
                             ("brave", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-brave-search@0.6.2"],
                                        "env": {"BRAVE_API_KEY": "YOUR_API_KEY_HERE"}}),
                             ("aws", {"command": "uvx", "args": ["awslabs.core-mcp-server==1.0.4"],
                                      "env": {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
                                              "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}),
                             ("openai", {"command": "node", "args": ["o.js"], "env": {"OPENAI_API_KEY": "sk-..."}}),
                             ("gh2", {"command": "node", "args": ["g.js"],
                                      "env": {"GH_TOKEN": "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}})]
    s["neg_hashes"] = [("pinned", {"command": "docker", "args": ["run", "-i", "--rm",
                                                                 "mcp/fetch@sha256:" + hashlib.sha256(b"fetch").hexdigest()],
                                   "metadata": {"sha256": hashlib.sha256(b"x").hexdigest(),
                                                "integrity": "sha512-" + base64.b64encode(hashlib.sha512(b"y").digest()).decode(),
                                                "commit": hashlib.sha1(b"z").hexdigest(),
                                                "workspace_id": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                                                "client_id": "8e7d4c1a-95b2-4f0e-a3c6-2b9f1d7e6a40"}})]
    s["neg_inputs"] = [("perplexity", {"command": "npx", "args": ["-y", "server-perplexity-ask@0.1.3"],
                                       "env": {"PERPLEXITY_API_KEY": "${input:perplexity-key}"}}),
                       ("remote", {"type": "http", "url": "https://api.githubcopilot.com/mcp/",
                                   "headers": {"Authorization": "Bearer ${input:github_mcp_pat}"}})]
    s["neg_misc"] = [("stripe-public", {"command": "node", "args": ["checkout.js"],
                                        "env": {"STRIPE_PUBLISHABLE_KEY": "pk_live_" + "51HqLyjWDarjtT1zdp7dc",
                                                "TOKEN_URL": "https://auth.acme.dev/oauth/token",
                                                "PASSWORD_FILE": "/run/secrets/db_password",
                                                "AUTH_TYPE": "oauth2", "MAX_TOKENS": "4096",
                                                "SECRET_NAME": "prod/crm/api-token"}}),
                     ("jwtio", {"command": "node", "args": ["x.js"],
                                "env": {"EXAMPLE_JWT": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"}})]
    s["neg_keyref"] = [("onepass", {"command": "op", "args": ["run", "--", "npx", "-y", "mcp-server-kubernetes@2.4.0"],
                                    "env": {"KUBE_TOKEN": "op://Engineering/kube/token",
                                            "API_KEY": "$API_KEY", "DB_PASSWORD": "%DB_PASSWORD%"}})]
    return s


def write(rel, text, expected):
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    with open(path + ".expected", "w") as f:
        f.write("# expected findings: RULE LINE (generated by generate.py)\n")
        for rule, line in sorted(expected, key=lambda x: (x[1], x[0])):
            f.write(f"{rule} {line}\n")


def main():
    for entry in os.listdir(HERE):
        full = os.path.join(HERE, entry)
        if os.path.isdir(full):
            shutil.rmtree(full)
    s = scenarios()
    json_clients = {
        "claude-desktop": ("claude_desktop_config.json", "mcpServers"),
        "claude-code": (".mcp.json", "mcpServers"),
        "cursor": ("mcp.json", "mcpServers"),
        "windsurf": ("mcp_config.json", "mcpServers"),
        "gemini": ("settings.json", "mcpServers"),
    }
    files = {}
    # Every scenario in the five mcpServers formats, VS Code (servers/inputs) and Codex TOML.
    for scenario, servers in s.items():
        for client, (filename, top) in json_clients.items():
            files[f"{client}/{scenario}/{filename}"] = mcp_servers_file(servers, top)
        vs_servers = servers
        inputs = [{"type": "promptString", "id": "perplexity-key", "description": "Perplexity API key", "password": True}] \
            if scenario == "neg_inputs" else None
        files[f"vscode/{scenario}/mcp.json"] = vscode_file(vs_servers, inputs)
        files[f"codex/{scenario}/config.toml"] = codex_file(servers)
    # Client-specific shapes.
    files["gemini/trust/settings.json"] = (
        '{\n  "theme": "GitHub",\n  "mcpServers": {\n    "shell": {\n      "command": "node",\n'
        '      "args": ["shell-server.js"],\n      "trust": true{{!BH030}}\n    }\n  }\n}\n')
    files["claude-code/project-scoped/.claude.json"] = (
        '{\n  "numStartups": 12,\n  "projects": {\n    "/home/dev/crm": {\n      "mcpServers": {\n'
        '        "crm": {\n          "type": "http",\n          "url": "https://crm.acme.dev/mcp",\n'
        '          "headers": {\n            "X-API-Key": "{{T:generic}}"\n          }\n        }\n      }\n'
        '    }\n  }\n}\n')
    files["vscode/settings/settings.json"] = (
        '{\n  // user settings with MCP servers embedded\n  "editor.fontSize": 14,\n  "mcp": {\n    "servers": {\n'
        '      "github": {\n        "type": "http",\n        "url": "https://api.githubcopilot.com/mcp/",\n'
        '        "headers": {\n          "Authorization": "Bearer {{T:github}}"\n        }\n      },\n'
        '      "remote-plain": {\n        "type": "sse",\n        "url": "http://mcp.example.org/sse"{{!BH020}}\n      }\n'
        '    }\n  },\n}\n')
    files["vscode/ignored/mcp.json"] = (
        '{\n  "servers": {\n    "demo": {\n      "command": "node",\n      "args": ["demo.js"],\n'
        '      "env": {\n        // bulkhead-ignore BH001 -- revoked demo token kept for the workshop\n'
        '        "GITHUB_TOKEN": "ghp_' + "Zq8RkT2mVw9LpX4sNc7YbE1hJd6FgA3uK0oi" + '"\n      }\n    }\n  }\n}\n')
    files["zed/settings.json"] = (
        '{\n  "context_servers": {\n    "postgres": {\n      "command": {\n        "path": "npx",\n'
        '        "args": ["-y", "@modelcontextprotocol/server-postgres{{!BH021}}", "postgres://ro:{{T:url_password}}@pg.acme.dev/db"]\n'
        '      },\n      "settings": {}\n    }\n  }\n}\n')
    files["cline/cline_mcp_settings.json"] = (
        '{\n  "mcpServers": {\n    "fs": {\n      "command": "npx",\n'
        '      "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.3.28", "/home/dev"],\n'
        '      "autoApprove": ["*"],{{!BH030}}\n      "disabled": false\n    }\n  }\n}\n')
    files["malformed/truncated/mcp.json"] = (
        '{\n  "mcpServers": {\n    "github": {\n      "command": "npx"\n'
        '      "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"],{{!BH090}}\n      "env": {\n'
        '        "GITHUB_TOKEN": "{{T:github}}"\n      }\n    }\n  }\n}\n')
    files["malformed/bad.toml"] = (
        '[mcp_servers.github]\ncommand = "npx"\nargs = ["-y", "@modelcontextprotocol/server-github@2025.4.8"\n'
        'env = { "GITHUB_TOKEN" = "{{T:github}}" }{{!BH090}}\n')
    files["bulkhead/insecure/bulkhead.toml"] = (
        '[server]\nlisten = "0.0.0.0:8080"\n\n[auth]\nmode = "none"{{!BH031}}\n\n[store]\nurl = "sqlite://var/bulkhead.db"\n\n'
        '[[upstream]]\nname = "crm"{{!BH030}}\ntransport = "http"\nurl = "http://crm.internal:3001/mcp"{{!BH020}}\n\n'
        '[[upstream]]\nname = "files"\ntransport = "stdio"\ncommand = "npx"\n'
        'args = ["-y", "@modelcontextprotocol/server-filesystem{{!BH021}}", "/srv/data"]\n'
        'env = { API_TOKEN = "{{T:generic}}" }\n')
    files["bulkhead/secure/bulkhead.toml"] = (
        '[server]\nlisten = "127.0.0.1:8080"\npublic_url = "https://mcp.acme.dev"\n\n[auth]\nmode = "workload"\n'
        'audience = "bulkhead"\n\n[policy]\ndir = "policies"\n\n[secrets]\nkey_file = "keys/secrets.key"\n\n'
        '[[upstream]]\nname = "crm"\ntransport = "http"\nurl = "https://crm.acme.dev/mcp"\n'
        'credential_header = "Authorization"\ncredential_format = "Bearer {secret}"\ncredential_name = "api_token"\n\n'
        '[[upstream]]\nname = "files"\ntransport = "stdio"\ncommand = "npx"\n'
        'args = ["-y", "@modelcontextprotocol/server-filesystem@2025.3.28", "/srv/data"]\n'
        'secret_env = { FS_TOKEN = "api_token" }\n')
    files["bulkhead/passthrough/bulkhead.toml"] = (
        '[auth]\nmode = "workload"\n\n[policy]\ndir = "policies"\n\n[[upstream]]\nname = "partner"\ntransport = "http"\n'
        'url = "https://mcp.partner.io/mcp"\ncredential_header = "Authorization"\n'
        'credential_format = "Bearer {client_token}"{{!BH024}}\n')
    files["codex/bearer/config.toml"] = (
        '[mcp_servers.figma]\nurl = "https://mcp.figma.com/mcp"\nbearer_token = "{{T:generic}}"\n\n'
        '[mcp_servers.linear]\nurl = "https://mcp.linear.app/mcp"\nbearer_token_env_var = "LINEAR_TOKEN"\n')
    files["generic/app-config.json"] = (
        '{\n  "service": "billing",\n  "database": {\n    "host": "db.acme.internal",\n'
        '    "password": "{{T:password}}"\n  },\n  "stripe": {\n    "secret_key": "{{T:stripe}}",\n'
        '    "publishable_key": "pk_test_' + "TYooMQauvdEDq54NiTphI7jx" + '"\n  },\n  "build": {\n'
        '    "sha": "' + hashlib.sha1(b"build").hexdigest() + '",\n    "id": "6f1c2b9e-0d3a-4e8b-9a57-1c2d3e4f5a6b"\n  }\n}\n')
    files["generic/package-lock-fragment.json"] = (
        '{\n  "name": "tools",\n  "lockfileVersion": 3,\n  "packages": {\n    "node_modules/zod": {\n'
        '      "version": "3.25.76",\n      "resolved": "https://registry.npmjs.org/zod/-/zod-3.25.76.tgz",\n'
        '      "integrity": "sha512-' + base64.b64encode(hashlib.sha512(b"zod").digest()).decode() + '"\n    }\n  }\n}\n')
    files["generic/pyproject.toml"] = (
        '[project]\nname = "mcp-weather"\nversion = "0.4.1"\ndependencies = ["mcp==1.9.4", "httpx==0.28.1"]\n\n'
        '[tool.weather]\napi_url = "https://api.weather.gov"\napi_token = "{{T:generic}}"\n'
        'cache_key = "weather-v2"\n')
    # Harder cases: escaped JSON, comments, camelCase keys, fragments, short passwords.
    files["generic/hard-cases.jsonc"] = (
        '{\n  // old webhook, rotate: {{T:slack_webhook}}\n'
        '  "notify": {\n    "url": "' + '{{T:slack_webhook}}'.replace('/', '/') + '",\n'
        '    "escaped": "https:\\/\\/hooks.slack.com\\/services\\/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"{{!BH005}}\n  },\n'
        '  "clients": [\n    {"name": "crm", "apiKey": "{{T:generic}}"},\n'
        '    {"name": "oauth", "redirect": "https://app.acme.dev/cb#access_token={{T:url_query}}"},\n'
        '    {"name": "db", "password": "Tr0ub4dor&3x"}{{!BH013}}\n  ],\n'
        '  "checksum": "' + hashlib.sha256(b"hard").hexdigest() + '",\n'
        '  "requestId": "req_' + hashlib.md5(b"r").hexdigest() + '"\n}\n')
    # The same credential in the configurations of several clients (BH015 across the files of one scan). Servers
    # in different files are different servers, even under one name; a use outside any server does not count.
    files["cross-file/claude-desktop/claude_desktop_config.json"] = mcp_servers_file(
        [("github", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"],
                     "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "{{X:github:team_pat}}{{!BH015}}"}})])
    files["cross-file/cursor/.cursor/mcp.json"] = mcp_servers_file(
        [("github", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"],
                     "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "{{X:github:team_pat}}{{!BH015}}"}}),
         ("slack", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-slack@2025.4.25"],
                    "env": {"SLACK_BOT_TOKEN": "{{X:slack:team_bot}}{{!BH015}}", "SLACK_TEAM_ID": "T01234567"}})])
    files["cross-file/vscode/.vscode/mcp.json"] = vscode_file(
        [("gh-issues", {"command": "node", "args": ["issues.js"],
                        "env": {"GH_TOKEN": "{{X:github:team_pat}}{{!BH015}}"}}),
         ("gh-pulls", {"command": "node", "args": ["pulls.js"],
                       "env": {"GH_TOKEN": "{{X:github:team_pat}}{{!BH015}}"}})])
    files["cross-file/codex/config.toml"] = codex_file(
        [("slack", {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-slack@2025.4.25"],
                    "env": {"SLACK_BOT_TOKEN": "{{X:slack:team_bot}}{{!BH015}}"}})])
    files["cross-file/windsurf/mcp_config.json"] = (
        '{\n  "mcpServers": {\n    "slack": {\n      "command": "npx",\n'
        '      "args": ["-y", "@modelcontextprotocol/server-slack@2025.4.25"],\n'
        '      // bulkhead-ignore BH015 -- the team bot token; rotation is tracked in OPS-1234\n'
        '      "env": {"SLACK_BOT_TOKEN": "{{X:slack:team_bot}}"}\n    }\n  }\n}\n')
    files["cross-file/claude-code/.mcp.json"] = mcp_servers_file(
        [("stripe", {"command": "npx", "args": ["-y", "@stripe/mcp@0.2.4", "--tools=all"],
                     "env": {"STRIPE_SECRET_KEY": "{{X:stripe:billing}}"}})])
    files["cross-file/generic/billing.json"] = (
        '{\n  "service": "billing",\n  "stripe": {\n    "secret_key": "{{X:stripe:billing}}"\n  }\n}\n')
    for rel, template in sorted(files.items()):
        text, expected = render(rel, template)
        write(rel, text, expected)
    print(f"wrote {len(files)} files")


if __name__ == "__main__":
    main()
