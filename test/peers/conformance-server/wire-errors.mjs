// Raw-fetch probes of the v2 server's (createMcpHandler) 2026-07-28 validation ladder.
// Prints request + response for each edge case. Usage: node wire-errors.mjs (Node >= 22).
import http from 'node:http';
import { Readable } from 'node:stream';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

function makeServer() {
  const s = new McpServer({ name: 'capture-server', version: '1.0.0' });
  s.registerTool('add', { inputSchema: z.object({ a: z.number(), b: z.number() }) }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  return s;
}
const strict = process.argv[2] === 'reject';
const handler = createMcpHandler(() => makeServer(), strict ? { legacy: 'reject' } : {});
const server = http.createServer(async (req, res) => {
  const chunks = []; for await (const c of req) chunks.push(c);
  const headers = new Headers(); for (const [k, v] of Object.entries(req.headers)) headers.set(k, String(v));
  const r = await handler.fetch(new Request(`http://x${req.url}`, { method: req.method, headers, body: ['GET', 'HEAD'].includes(req.method) ? undefined : Buffer.concat(chunks), duplex: 'half' }));
  res.writeHead(r.status, Object.fromEntries(r.headers)); if (r.body) Readable.fromWeb(r.body).pipe(res); else res.end();
});
await new Promise(r => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/mcp`;
const env = (v = '2026-07-28') => ({ 'io.modelcontextprotocol/protocolVersion': v, 'io.modelcontextprotocol/clientCapabilities': {} });
const H = (m, extra = {}) => ({ 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': m, ...extra });
const cases = [
  ['valid tools/list', H('tools/list'), { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: env() } }],
  ['Mcp-Method mismatch', H('tools/call'), { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: env() } }],
  ['Mcp-Name mismatch', H('tools/call', { 'mcp-name': 'other' }), { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'add', arguments: { a: 1, b: 2 }, _meta: env() } }],
  ['Mcp-Name missing', H('tools/call'), { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'add', arguments: { a: 1, b: 2 }, _meta: env() } }],
  ['Mcp-Method missing', { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28' }, { jsonrpc: '2.0', id: 5, method: 'tools/list', params: { _meta: env() } }],
  ['MCP-Protocol-Version missing', { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-method': 'tools/list' }, { jsonrpc: '2.0', id: 6, method: 'tools/list', params: { _meta: env() } }],
  ['header/body version mismatch', H('tools/list', { 'mcp-protocol-version': '2025-11-25' }), { jsonrpc: '2.0', id: 7, method: 'tools/list', params: { _meta: env() } }],
  ['unsupported modern version 2099-01-01', H('tools/list', { 'mcp-protocol-version': '2099-01-01' }), { jsonrpc: '2.0', id: 8, method: 'tools/list', params: { _meta: env('2099-01-01') } }],
  ['modern header, no envelope', H('tools/list'), { jsonrpc: '2.0', id: 9, method: 'tools/list' }],
  ['envelope missing clientCapabilities', H('tools/list'), { jsonrpc: '2.0', id: 10, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } } }],
  ['ping (not in 2026 registry)', H('ping'), { jsonrpc: '2.0', id: 11, method: 'ping', params: { _meta: env() } }],
  ['initialize with modern header', H('initialize'), { jsonrpc: '2.0', id: 12, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }],
  ['initialize with modern envelope', H('initialize'), { jsonrpc: '2.0', id: 13, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' }, _meta: env() } }],
  ['legacy initialize (no envelope, no modern header)', { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, { jsonrpc: '2.0', id: 14, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }],
  ['unknown tool', H('tools/call', { 'mcp-name': 'nope' }), { jsonrpc: '2.0', id: 15, method: 'tools/call', params: { name: 'nope', arguments: {}, _meta: env() } }],
  ['notification cancelled', H('notifications/cancelled'), { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 99, _meta: env() } }],
  ['Mcp-Name base64 sentinel', H('tools/call', { 'mcp-name': '=?base64?' + Buffer.from('add').toString('base64') + '?=' }), { jsonrpc: '2.0', id: 16, method: 'tools/call', params: { name: 'add', arguments: { a: 1, b: 2 }, _meta: env() } }],
  ['batch with modern element', H('tools/list'), [{ jsonrpc: '2.0', id: 17, method: 'tools/list', params: { _meta: env() } }]],
  ['envelope claims legacy 2025-11-25', H('tools/list', { 'mcp-protocol-version': '2025-11-25' }), { jsonrpc: '2.0', id: 19, method: 'tools/list', params: { _meta: env('2025-11-25') } }],
  ['logging/setLevel (removed in 2026)', H('logging/setLevel'), { jsonrpc: '2.0', id: 20, method: 'logging/setLevel', params: { level: 'info', _meta: env() } }],
  ['resources/subscribe (removed in 2026)', H('resources/subscribe'), { jsonrpc: '2.0', id: 21, method: 'resources/subscribe', params: { uri: 'x://y', _meta: env() } }],
  ['clientInfo malformed', H('tools/list'), { jsonrpc: '2.0', id: 22, method: 'tools/list', params: { _meta: { ...env(), 'io.modelcontextprotocol/clientInfo': { name: 1 } } } }],
  ['accept only application/json', { ...H('tools/list'), accept: 'application/json' }, { jsonrpc: '2.0', id: 23, method: 'tools/list', params: { _meta: env() } }],
  ['no accept header', (() => { const h = H('tools/list'); delete h.accept; return h; })(), { jsonrpc: '2.0', id: 24, method: 'tools/list', params: { _meta: env() } }],
  ['body is not JSON', H('tools/list'), '{"jsonrpc":"2.0",'],
  ['invalid tool args', H('tools/call', { 'mcp-name': 'add' }), { jsonrpc: '2.0', id: 18, method: 'tools/call', params: { name: 'add', arguments: { a: 'x' }, _meta: env() } }],
];
for (const [name, headers, body] of cases) {
  const r = await fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  console.log(`\n#### ${name}\n>>> POST ${Object.entries(headers).filter(([k]) => /^mcp/i.test(k)).map(([k, v]) => `${k}: ${v}`).join(' | ')}\n${JSON.stringify(body)}\n<<< ${r.status} ${r.headers.get('content-type') ?? ''}\n${text}`);
}
for (const m of ['GET', 'DELETE']) {
  const r = await fetch(url, { method: m, headers: { accept: 'text/event-stream', 'mcp-protocol-version': '2026-07-28' } });
  console.log(`\n#### ${m}\n<<< ${r.status} allow=${r.headers.get('allow')}\n${await r.text()}`);
}
server.close(); await handler.close(); process.exit(0);
