#!/usr/bin/env node
// The two-agent handoff of `bulkhead demo` (docs/dlp.md "Task taint"), against a running demo:
//   1. acme's support agent (A) exchanges its SVID for a task token and reads a restricted case file;
//   2. A delegates the task to acme's writer agent (B) (RFC 8693: subject_token = A's task token, actor = B);
//   3. B tries to post to the partner portal (an egress tool): refused, because the task has read restricted data;
//   4. the same handoff without the restricted read: B's post goes through (the rule is not a blanket deny).
// Then `bulkhead audit tail examples/demo/var/audit` shows the chain (delegation B ← A) and the task's labels.
// Usage: node examples/handoff.mjs [http://127.0.0.1:8080]
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const base = process.argv[2] ?? "http://127.0.0.1:8080";
const varDir = join(dirname(fileURLToPath(import.meta.url)), "demo", "var");
const svidA = readFileSync(join(varDir, "acme-agent.jwt"), "utf8").trim();
const svidB = readFileSync(join(varDir, "acme-writer.jwt"), "utf8").trim();
const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT = "urn:ietf:params:oauth:token-type:jwt";

async function token(bearer, fields) {
  const res = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: EXCHANGE, subject_token_type: JWT, ...fields }).toString(),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`token exchange: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

async function call(bearer, name, args) {
  const headers = { authorization: `Bearer ${bearer}`, "content-type": "application/json", accept: "application/json, text/event-stream" };
  const post = async (body, extra = {}) => {
    const res = await fetch(`${base}/mcp`, { method: "POST", headers: { ...headers, ...extra }, body: JSON.stringify(body) });
    const text = await res.text();
    const json = text.startsWith("{") ? JSON.parse(text) : JSON.parse(text.split("\n").filter((l) => l.startsWith("data:")).pop().slice(5));
    return { res, json };
  };
  const init = await post({ jsonrpc: "2.0", id: 1, method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "handoff-demo", version: "1.0.0" } } });
  const session = { "mcp-session-id": init.res.headers.get("mcp-session-id"), "mcp-protocol-version": "2025-11-25" };
  await fetch(`${base}/mcp`, { method: "POST", headers: { ...headers, ...session }, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) });
  return (await post({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name, arguments: args } }, session)).json;
}

const show = (who, what, answer) => {
  const outcome = answer.error ? `REFUSED (${answer.error.data?.reason}${answer.error.data?.policies ? `: ${answer.error.data.policies}` : ""})` : `ok: ${answer.result.content?.[0]?.text}`;
  console.log(`${who.padEnd(8)} ${what.padEnd(40)} ${outcome}`);
};

for (const [task, restricted] of [[`handoff-restricted-${Date.now()}`, true], [`handoff-clean-${Date.now()}`, false]]) {
  console.log(`\ntask ${task}`);
  const a = await token(svidA, { subject_token: svidA, task, scope: "notes__* restricted" });
  if (restricted) show("agent A", "notes__read_case_file (restricted)", await call(a, "notes__read_case_file", {}));
  else show("agent A", "notes__list_notes (internal)", await call(a, "notes__list_notes", {}));
  const b = await token(svidB, { subject_token: a, actor_token: svidB, actor_token_type: JWT, scope: "notes__*" });
  show("agent B", "notes__post_external (egress)", await call(b, "notes__post_external", { text: "ticket summary for the partner" }));
}
console.log("\nthe chain and the task labels: bulkhead audit tail examples/demo/var/audit | grep handoff-");
