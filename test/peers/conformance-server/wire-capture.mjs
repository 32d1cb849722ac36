// Wire capture: runs the real v2 client (@modelcontextprotocol/client) against the real v2 server
// (@modelcontextprotocol/server, createMcpHandler) through a logging HTTP proxy on 127.0.0.1 and prints
// every HTTP exchange (method, headers, body; response status, headers, body). Used to verify
// docs/protocol-2026-07-28.md. Usage: node wire-capture.mjs [auto|legacy|pin] (Node >= 22).
import http from 'node:http';
import { Readable } from 'node:stream';
import { McpServer, createMcpHandler, inputRequired, acceptedContent } from '@modelcontextprotocol/server';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import * as z from 'zod/v4';

const mode = process.argv[2] ?? 'auto';
const scenario = process.argv[3] ?? 'basic';

function makeServer() {
  const s = new McpServer({ name: 'capture-server', version: '1.0.0' }, { capabilities: { logging: {} } });
  s.registerTool('add', { description: 'Add two numbers', inputSchema: z.object({ a: z.number(), b: z.number() }) },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
  s.registerTool('slow', { description: 'Reports progress', inputSchema: z.object({ steps: z.number() }) },
    async ({ steps }, ctx) => {
      const token = ctx.mcpReq._meta?.progressToken;
      for (let i = 1; i <= steps; i++) {
        if (token !== undefined)
          await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps } });
        await new Promise(r => setTimeout(r, 20));
      }
      return { content: [{ type: 'text', text: `done ${steps}` }] };
    });
  s.registerTool('confirm', { description: 'Asks the user via elicitation (MRTR)', inputSchema: z.object({ env: z.string() }) },
    async ({ env }, ctx) => {
      const ok = acceptedContent(ctx.mcpReq.inputResponses, 'confirm');
      if (ok?.ok !== true)
        return inputRequired({ inputRequests: { confirm: inputRequired.elicit({ message: `Deploy to ${env}?`, requestedSchema: z.object({ ok: z.boolean() }) }) }, requestState: 'round-1' });
      return { content: [{ type: 'text', text: `deployed to ${env} (state=${ctx.mcpReq.requestState()})` }] };
    });
  s.registerTool('hang', { description: 'Waits until cancelled', inputSchema: z.object({}) },
    async (_a, ctx) => { await new Promise(r => ctx.mcpReq.signal.addEventListener('abort', r)); return { content: [] }; });
  s.registerPrompt('greet', { description: 'Greeting', argsSchema: z.object({ who: z.string() }) },
    async ({ who }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Hello ${who}` } }] }));
  s.registerResource('readme', 'test://readme', { mimeType: 'text/plain' },
    async uri => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'readme body' }] }));
  return s;
}

const handler = createMcpHandler(() => makeServer());

async function toWebRequest(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
  return new Request(`http://${req.headers.host}${req.url}`, {
    method: req.method, headers, body: ['GET', 'HEAD'].includes(req.method) ? undefined : body, duplex: 'half' });
}

const server = http.createServer(async (req, res) => {
  const response = await handler.fetch(await toWebRequest(req));
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) Readable.fromWeb(response.body).pipe(res); else res.end();
});
await new Promise(r => server.listen(0, '127.0.0.1', r));
const upstreamPort = process.env.TARGET_PORT ? Number(process.env.TARGET_PORT) : server.address().port;

let n = 0;
const interesting = /^(content-type|accept|mcp-|last-event-id|allow)/i;
const proxy = http.createServer(async (req, res) => {
  const id = ++n;
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks).toString();
  const hdrs = Object.entries(req.headers).filter(([k]) => interesting.test(k)).map(([k, v]) => `${k}: ${v}`);
  process.stdout.write(`\n### exchange ${id} request\n>>> ${req.method} ${req.url}\n${hdrs.join('\n')}\n\n${body}\n`);
  let out = `\n### exchange ${id} response\n`;
  let printed = false;
  const flush = why => { if (!printed) { printed = true; process.stdout.write(out + (why ? `\n[${why}]` : '') + '\n'); } };
  res.on('close', () => { if (!res.writableFinished) { up.destroy(); flush('client closed the HTTP connection before the response completed'); } });
  const up = http.request({ host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers: req.headers }, upRes => {
    const rh = Object.entries(upRes.headers).filter(([k]) => interesting.test(k)).map(([k, v]) => `${k}: ${v}`);
    out += `<<< ${upRes.statusCode}\n${rh.join('\n')}\n\n`;
    res.writeHead(upRes.statusCode, upRes.headers);
    upRes.on('data', d => { out += d.toString(); res.write(d); });
    upRes.on('end', () => { res.end(); flush(); });
  });
  up.on('error', () => {});
  up.end(body);
});
await new Promise(r => proxy.listen(0, '127.0.0.1', r));
const url = new URL(`http://127.0.0.1:${proxy.address().port}/mcp`);

const opts = mode === 'legacy' ? {} : mode === 'pin' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : { versionNegotiation: { mode: 'auto' } };
const client = new Client({ name: 'capture-client', version: '1.0.0' }, { ...opts, capabilities: { elicitation: { form: {} } } });
client.setRequestHandler('elicitation/create', async req => { console.log('=== client got elicitation:', JSON.stringify(req.params)); return { action: 'accept', content: { ok: true } }; });
await client.connect(new StreamableHTTPClientTransport(url));
console.log('\n=== negotiated:', client.getNegotiatedProtocolVersion?.() ?? '(n/a)');
console.log('=== tools:', (await client.listTools()).tools.map(t => t.name).join(','));
console.log('=== add:', JSON.stringify(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })));
const prog = [];
console.log('=== slow:', JSON.stringify(await client.callTool({ name: 'slow', arguments: { steps: 2 } }, { onprogress: p => prog.push(p) })), 'progress:', JSON.stringify(prog));
if (scenario === 'full') {
  console.log('=== prompt:', JSON.stringify(await client.getPrompt({ name: 'greet', arguments: { who: 'x' } })));
  console.log('=== read:', JSON.stringify(await client.readResource({ uri: 'test://readme' })));
  console.log('=== confirm:', JSON.stringify(await client.callTool({ name: 'confirm', arguments: { env: 'prod' } })));
  const ac = new AbortController();
  const p = client.callTool({ name: 'hang', arguments: {} }, { signal: ac.signal }).catch(e => 'rejected: ' + e.message);
  setTimeout(() => ac.abort('user cancel'), 200);
  console.log('=== hang:', await p);
  if (mode !== 'legacy') {
    const got = [];
    client.setNotificationHandler('notifications/tools/list_changed', n => got.push(n));
    const sub = await client.listen({ toolsListChanged: true });
    handler.notify.toolsChanged();
    await new Promise(r => setTimeout(r, 300));
    console.log('=== listen got:', JSON.stringify(got));
    await sub.close?.();
    await new Promise(r => setTimeout(r, 200));
  }
  try { await client.callTool({ name: 'nope', arguments: {} }); } catch (e) { console.log('=== nope error:', e.code, e.message); }
}
await client.close();
proxy.close(); server.close(); await handler.close();
process.exit(0);
