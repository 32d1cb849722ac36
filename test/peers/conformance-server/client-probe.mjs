// What the v2 client (@modelcontextprotocol/client) insists on for a 2026-07-28 connection: runs it (mode 'auto')
// against a hand-written server that answers in a chosen, slightly wrong way. Backs §10.4 of
// docs/protocol-2026-07-28.md. Usage: node client-probe.mjs [ok|no-rt|no-ttl|sse]   (Node >= 22)
import http from 'node:http';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const variant = process.argv[2] ?? 'ok';
const srv = http.createServer(async (req, res) => {
    let b = '';
    for await (const c of req) b += c;
    const m = JSON.parse(b);
    if (!('id' in m)) return res.writeHead(202).end();
    if (m.method === 'server/discover') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { supportedVersions: ['2026-07-28'], capabilities: { tools: {} }, resultType: 'complete' } }));
    }
    if (variant === 'sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 'should-be-ignored' });
        res.write('id: prime-1\nretry: 100\ndata: \n\n: keepalive\n\n');
        const token = m.params?._meta?.progressToken;
        res.write(`event: message\nid: e2\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 2 } })}\n\n`);
        return res.end(`event: message\nid: e3\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text', text: 'ok' }], resultType: 'complete' } })}\n\n`);
    }
    const result = { tools: [{ name: 't', inputSchema: { type: 'object' }, execution: { taskSupport: 'forbidden' } }] };
    if (variant !== 'no-rt') result.resultType = 'complete';
    if (variant !== 'no-ttl') Object.assign(result, { ttlMs: 0, cacheScope: 'private' });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }));
});
await new Promise(r => srv.listen(0, '127.0.0.1', r));
const client = new Client({ name: 'probe', version: '1' }, { versionNegotiation: { mode: 'auto' } });
await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${srv.address().port}/mcp`)));
try {
    if (variant === 'sse') {
        const progress = [];
        const r = await client.callTool({ name: 't', arguments: {} }, { onprogress: p => progress.push(p) });
        console.log(variant, 'OK', JSON.stringify(r), 'progress:', JSON.stringify(progress));
    } else {
        console.log(variant, 'OK', JSON.stringify(await client.listTools()));
    }
} catch (e) {
    console.log(variant, 'ERROR', e.message.split('\n').slice(0, 3).join(' '));
}
process.exit(0);
