// A tiny 2026-07-28 (modern era) MCP server built on the official v2 server SDK. It is used only when
// E2E_DIRECT=1 (no gateway): it lets the 2026-07-28 tests be checked against the reference implementation of the
// wire format. Usage: node modern-reference-server.mjs PORT
import http from 'node:http';
import { serverV2, zod } from '../peers/index.mjs';

const { McpServer, createMcpHandler } = serverV2;
const z = zod.z ?? zod;

function factory() {
  const server = new McpServer({ name: 'modern-reference', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echoes back the input string',
    inputSchema: z.object({ message: z.string() }) },
  async ({ message }) => ({ content: [{ type: 'text', text: `Echo: ${message}` }] }));
  return server;
}

const handler = createMcpHandler(factory, { legacy: 'reject' });
const port = Number(process.argv[2] ?? 0);
const srv = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  const request = new Request(`http://${req.headers.host}${req.url}`, {
    method: req.method, headers, body: ['GET', 'HEAD'].includes(req.method) ? undefined : body });
  const response = await handler.fetch(request);
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) {
    for await (const chunk of response.body) res.write(chunk);
  }
  res.end();
});
srv.listen(port, '127.0.0.1', () => console.error(`modern reference listening on ${srv.address().port}`));
process.on('SIGTERM', () => process.exit(0));
