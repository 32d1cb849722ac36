// A scriptable MCP stdio server for upstream tests (newline-delimited JSON-RPC on stdin/stdout).
// Methods: echo (result = params plus the wire id), slow {ms} (answers after ms, or -32800 when cancelled),
// broadcast (sends notifications/tools/list_changed, then answers), ask_roots (sends roots/list to the client and
// answers with the client's reply), progress {steps} (progress notifications for _meta.progressToken), env {name},
// pid, exit {code}. Before answering initialize it writes garbage lines and one over-long line (FAKE_LONG_LINE bytes).
import { createInterface } from "node:readline";

const out = (m) => process.stdout.write(JSON.stringify(m) + "\n");
const timers = new Map();
const waiting = new Map();  // our server→client request id → original request id
let nextServerId = 1000;

if (process.env.FAKE_SILENT === "1") {
  setInterval(() => {}, 1000);
} else {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on("line", (line) => {
    let m;
    try { m = JSON.parse(line); } catch { return; }
    if (m.method === undefined) {  // a response to one of our requests
      const orig = waiting.get(m.id);
      if (orig !== undefined) {
        waiting.delete(m.id);
        out({ jsonrpc: "2.0", id: orig, result: { reply: m.result ?? null, error: m.error ?? null, serverId: m.id } });
      }
      return;
    }
    const p = m.params ?? {};
    switch (m.method) {
      case "initialize":
        process.stdout.write("this is not json\n");
        process.stdout.write("{\"broken\": \n");
        if (process.env.FAKE_LONG_LINE) process.stdout.write("x".repeat(Number(process.env.FAKE_LONG_LINE)) + "\n");
        process.stderr.write("fake server starting\n");
        out({ jsonrpc: "2.0", id: m.id, result: { protocolVersion: p.protocolVersion, capabilities: { tools: {} },
              serverInfo: { name: "fake", version: "1" }, echoedCapabilities: p.capabilities } });
        return;
      case "notifications/initialized":
        return;
      case "notifications/cancelled": {
        const t = timers.get(p.requestId);
        if (t) {
          clearTimeout(t);
          timers.delete(p.requestId);
          out({ jsonrpc: "2.0", id: p.requestId, error: { code: -32800, message: `cancelled ${p.requestId}` } });
        }
        return;
      }
      case "echo":
        out({ jsonrpc: "2.0", id: m.id, result: { params: p, wireId: m.id } });
        return;
      case "slow":
        timers.set(m.id, setTimeout(() => {
          timers.delete(m.id);
          out({ jsonrpc: "2.0", id: m.id, result: { slept: p.ms } });
        }, p.ms ?? 1000));
        return;
      case "broadcast":
        out({ jsonrpc: "2.0", method: "notifications/tools/list_changed" });
        setTimeout(() => out({ jsonrpc: "2.0", id: m.id, result: {} }), 50);
        return;
      case "ask_roots": {
        const sid = nextServerId++;
        waiting.set(sid, m.id);
        out({ jsonrpc: "2.0", id: sid, method: "roots/list", params: {} });
        return;
      }
      case "progress": {
        const token = p._meta?.progressToken;
        const steps = p.steps ?? 3;
        for (let i = 1; i <= steps; i++) out({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: token, progress: i, total: steps } });
        out({ jsonrpc: "2.0", id: m.id, result: { token } });
        return;
      }
      case "env":
        out({ jsonrpc: "2.0", id: m.id, result: { value: process.env[p.name] ?? null } });
        return;
      case "pid":
        out({ jsonrpc: "2.0", id: m.id, result: { pid: process.pid } });
        return;
      case "exit":
        process.exit(p.code ?? 0);
      default:
        out({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "method not found" } });
    }
  });
  rl.on("close", () => process.exit(0));
}
