// A scriptable Streamable HTTP MCP server for upstream tests. Listens on 127.0.0.1:$PORT at /mcp.
// GET answers 405 (no server stream). POST methods: initialize (JSON answer + Mcp-Session-Id), echo (JSON),
// sse_echo (SSE: a notification, a roots/list request, then the response), slow (never answers until cancelled),
// expire (forgets the session: later requests get 404), amnesia (forgets the session and, from then on, every new
// session right after initialize). GET /log returns what was received (headers and bodies).
import http from "node:http";

const log = [];
const sessions = new Set();
let n = 0;
let amnesia = false;

const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    if (req.url === "/log") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(log));
      return;
    }
    log.push({ method: req.method, headers: req.headers, body });
    const sid = req.headers["mcp-session-id"];
    if (req.method === "GET") { res.writeHead(405); res.end(); return; }
    if (req.method === "DELETE") { sessions.delete(sid); res.writeHead(200); res.end(); return; }
    let m;
    try { m = JSON.parse(body); } catch { res.writeHead(400); res.end(); return; }
    if (m.method === "initialize") {
      const id = `s${++n}`;
      if (!amnesia) sessions.add(id);
      res.writeHead(200, { "content-type": "application/json", "mcp-session-id": id });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: m.id, result: { protocolVersion: m.params.protocolVersion,
        capabilities: {}, serverInfo: { name: "fake-http", version: "1" } } }));
      return;
    }
    if (!sessions.has(sid)) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32001, message: "Session not found" } }));
      return;
    }
    if (m.id === undefined || m.method === undefined) { res.writeHead(202); res.end(); return; }
    switch (m.method) {
      case "echo":
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: m.id, result: { params: m.params ?? null, wireId: m.id } }));
        return;
      case "sse_echo": {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(`id: e1\ndata: \n\n`);
        res.write(`data: ${JSON.stringify({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "hello" } })}\n\n`);
        const token = m.params?._meta?.progressToken;
        if (token !== undefined) res.write(`data: ${JSON.stringify({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: token, progress: 1 } })}\n\n`);
        res.write(`data: ${JSON.stringify({ jsonrpc: "2.0", id: 77, method: "roots/list" })}\n\n`);
        setTimeout(() => {
          res.write(`data: ${JSON.stringify({ jsonrpc: "2.0", id: m.id, result: { ok: true, wireId: m.id } })}\n\n`);
          res.end();
        }, 100);
        return;
      }
      case "slow":
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(": waiting\n\n");
        req.on("close", () => {});
        return;
      case "amnesia":
        amnesia = true;
      // fall through
      case "expire":
        sessions.delete(sid);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: m.id, result: {} }));
        return;
      default:
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "method not found" } }));
    }
  });
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.error("listening"));
