// A deliberately leaky MCP upstream (Streamable HTTP, stateless, protocol 2025-11-25) for the response-DLP tests:
// its tools return every tenant's records, and it writes the wire itself so a test controls exactly how a marker
// travels — `\u` escapes, split across SSE events, base64 in blobs and images, inside JSON-RPC error messages and
// notifications. (The SDK servers re-encode what they send, which would hide exactly these forms.)
// It also keeps sessions (Mcp-Session-Id) with a GET stream, so it can send server→client requests during a call
// (`ask`: the call waits for the client's answer) and messages outside any request (`outside`: on the GET stream).
// Usage: node server.mjs PORT      (127.0.0.1 only; SIGTERM ends it)
import http from 'node:http';
import { randomUUID } from 'node:crypto';

const port = Number(process.argv[2] ?? 0);
const RECORDS = [
  { tenant: 'acme', id: 'acme-001', name: 'Alice Anders', note: 'renewal due' },
  { tenant: 'acme', id: 'acme-007', name: 'Arno Acker', note: 'salary band 7' },
  { tenant: 'globex', id: 'globex-042', name: 'Grace Gold', note: 'churn risk' },
  { tenant: 'globex', id: 'globex-051', name: 'Gus Green', note: 'GLOBEX-CANARY-19c2' },
];
const b64 = (text) => Buffer.from(text, 'utf8').toString('base64');
const text = (t) => ({ content: [{ type: 'text', text: t }] });
const obj = { type: 'object' };
const TOOLS = [
  ['all_records', 'Every customer record (all tenants)'],
  ['records', 'The records of one tenant', { type: 'object', properties: { tenant: { type: 'string' } } }],
  ['escaped', 'A record written with JSON unicode escapes'],
  ['split', 'A record streamed in pieces as log notifications'],
  ['notify', 'A log notification carrying a record, then a clean result'],
  ['image', 'A record inside a base64 image'],
  ['fail', 'An error whose message names a record'],
  ['secret', 'A deploy key'],
  ['hr_read', 'Restricted HR data of the caller'],
  ['update', 'Writes a record downstream', { type: 'object', properties: { record: { type: 'string' } } }],
  ['post', 'Posts text to an outside system', { type: 'object', properties: { text: { type: 'string' } } }],
  ['ordinary', 'An ordinary answer'],
  ['ask', 'Asks the client (sampling or elicitation) about one tenant\'s records during the call, returns its answer',
    { type: 'object', properties: { kind: { type: 'string' }, tenant: { type: 'string' } } }],
  ['answers', 'How the client answered this server\'s requests so far (request method and outcome, no content)'],
  ['outside', 'Sends one tenant\'s record on the GET stream (a log message and a sampling request), then a sentinel',
    { type: 'object', properties: { tenant: { type: 'string' }, sentinel: { type: 'string' } } }],
].map(([name, description, inputSchema]) => ({ name, description, inputSchema: inputSchema ?? obj }));

function sse(res, messages) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const m of messages) res.write(`event: message\ndata: ${typeof m === 'string' ? m : JSON.stringify(m)}\n\n`);
  res.end();
}

function json(res, body) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

// Sessions: id → { get: the open GET stream (or null), opened: waiters for it, pending: server→client request id →
// resolve(answer) }.
const sessions = new Map();
let nextAsk = 1;
const answers = [];  // { method, outcome }: 'ok' or the error's data.reason (or code)
const WAIT_MS = 10000;

function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve({ timedOut: what }), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function getStream(session) {
  if (session.get) return Promise.resolve(session.get);
  return new Promise((resolve) => session.opened.push(resolve));
}

const writeEvent = (res, m) => res.write(`event: message\ndata: ${JSON.stringify(m)}\n\n`);

// A server→client request on `res` (a POST's SSE stream or the GET stream); resolves with the client's answer.
function ask(session, res, method, params) {
  const id = `leaky-${nextAsk++}`;
  const answered = new Promise((resolve) => session.pending.set(id, (answer) => {
    answers.push({ id, method, outcome: answer.error ? String(answer.error.data?.reason ?? answer.error.code) : 'ok' });
    resolve(answer);
  }));
  writeEvent(res, { jsonrpc: '2.0', id, method, params });
  return within(WAIT_MS, answered, `no answer to ${method}`);
}

const recordsOf = (tenant) => JSON.stringify(RECORDS.filter((r) => r.tenant === tenant));
const question = (kind, tenant) => (kind === 'elicitation'
  ? ['elicitation/create', { message: `Confirm these records: ${recordsOf(tenant)}`,
    requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } }]
  : ['sampling/createMessage', { maxTokens: 50,
    messages: [{ role: 'user', content: { type: 'text', text: `Summarise: ${recordsOf(tenant)}` } }] }]);

// The answer of the client, as the tool reports it (no record data: only what the client sent back).
const answerText = (answer) => (answer.timedOut ? `no answer: ${answer.timedOut}`
  : `client answered: ${JSON.stringify(answer.error ? { error: answer.error } : { result: answer.result })}`);

async function askDuringCall(session, id, args, res) {
  const [method, params] = question(args?.kind, args?.tenant);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const answer = await ask(session, res, method, params);
  writeEvent(res, { jsonrpc: '2.0', id, result: text(answerText(answer)) });
  res.end();
}

// Outside any request: a log message and a sampling request with the tenant's records on the GET stream, then a
// clean sentinel message (a client that saw the sentinel has seen everything sent before it). The call's answer
// says how the outside request was answered.
async function outside(session, id, args, res) {
  const stream = await within(WAIT_MS, getStream(session), 'no GET stream');
  if (stream.timedOut) return json(res, { jsonrpc: '2.0', id, result: { ...text(stream.timedOut), isError: true } });
  writeEvent(stream, note(`outside the call: ${recordsOf(args?.tenant)}`));
  const [method, params] = question('sampling', args?.tenant);
  const answered = ask(session, stream, method, params);
  writeEvent(stream, note(`sentinel ${args?.sentinel ?? ''}`));
  return json(res, { jsonrpc: '2.0', id, result: text(`outside request: ${answerText(await answered)}`) });
}

const note = (data) => ({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', logger: 'crm', data } });

function callTool(id, name, args, res, session) {
  const result = (r) => json(res, { jsonrpc: '2.0', id, result: r });
  switch (name) {
    case 'all_records': return result(text(JSON.stringify(RECORDS)));
    case 'records': return result(text(JSON.stringify(RECORDS.filter((r) => r.tenant === args?.tenant))));
    case 'escaped':
      // Written by hand: "\u0067lobex-\u0030\u00342" is globex-042.
      return json(res, `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"record \\u0067lobex-\\u0030\\u00342 (Grace)"}]}}`);
    case 'split':
      return sse(res, [note('streaming record glo'), note('bex-042 Grace Gold'), { jsonrpc: '2.0', id, result: text('stream finished') }]);
    case 'notify':
      return sse(res, [note('looked up globex-051 on the side'), { jsonrpc: '2.0', id, result: text('nothing to see') }]);
    case 'image':
      return result({ content: [{ type: 'image', mimeType: 'image/png', data: b64('\x89PNG fake pixels; caption: globex-042 Grace') }] });
    case 'fail':
      return json(res, { jsonrpc: '2.0', id, error: { code: -32000, message: 'lookup failed near globex-042' } });
    case 'secret': return result(text('deploy key: ghp_Zq8RkT2mVw9LpX4sNc7YbE1hJd6FgA3uK0oi (rotate monthly)'));
    case 'hr_read': return result(text('acme-007 Arno Acker: salary band 7'));
    case 'update': return result(text(`stored ${String(args?.record ?? '').length} characters`));
    case 'post': return result(text(`posted ${String(args?.text ?? '').length} characters`));
    case 'ordinary': return result(text('Echo: hello world. The sum of 2 and 3 is 5.'));
    case 'answers': return result(text(JSON.stringify(answers)));
    case 'ask':
    case 'outside':
      if (!session) return json(res, { jsonrpc: '2.0', id, error: { code: -32600, message: `${name} needs a session` } });
      return name === 'ask' ? askDuringCall(session, id, args, res) : outside(session, id, args, res);
    default: return json(res, { jsonrpc: '2.0', id, error: { code: -32602, message: `unknown tool ${name}` } });
  }
}

function handle(message, res, session) {
  const { id, method, params } = message;
  if (id === undefined || method === undefined) {
    // A notification, or the client's answer to one of our requests.
    if (id !== undefined && session?.pending.has(id)) {
      session.pending.get(id)(message);
      session.pending.delete(id);
    }
    res.writeHead(202).end();
    return;
  }
  const result = (r) => json(res, { jsonrpc: '2.0', id, result: r });
  switch (method) {
    case 'initialize': {
      const sid = randomUUID();
      sessions.set(sid, { get: null, opened: [], pending: new Map() });
      res.setHeader('mcp-session-id', sid);
      return result({ protocolVersion: params?.protocolVersion ?? '2025-11-25',
        capabilities: { tools: {}, resources: {}, prompts: {}, logging: {} }, serverInfo: { name: 'leaky', version: '1.0.0' } });
    }
    case 'ping': return result({});
    case 'tools/list': return result({ tools: TOOLS });
    case 'tools/call': return callTool(id, params?.name, params?.arguments, res, session);
    case 'resources/list':
      return result({ resources: [{ uri: 'leaky://records/all', name: 'all records', mimeType: 'application/json' },
        { uri: 'leaky://records/blob', name: 'records export', mimeType: 'application/octet-stream' }] });
    case 'resources/read':
      if (params?.uri === 'leaky://records/blob') {
        return result({ contents: [{ uri: params.uri, mimeType: 'application/octet-stream', blob: b64(JSON.stringify(RECORDS)) }] });
      }
      return result({ contents: [{ uri: params?.uri, mimeType: 'application/json', text: JSON.stringify(RECORDS) }] });
    case 'prompts/list': return result({ prompts: [{ name: 'summary', description: 'Summarise the records' }] });
    case 'prompts/get':
      return result({ messages: [{ role: 'user', content: { type: 'text', text: `Summarise: ${JSON.stringify(RECORDS)}` } }] });
    case 'logging/setLevel': return result({});
    default: return json(res, { jsonrpc: '2.0', id, error: { code: -32601, message: `method ${method} not found` } });
  }
}

const srv = http.createServer(async (req, res) => {
  if (req.url !== '/mcp') {
    res.writeHead(404).end();
    return;
  }
  const session = sessions.get(req.headers['mcp-session-id']);
  if (req.method === 'GET') {
    if (!session) {
      res.writeHead(session === undefined && req.headers['mcp-session-id'] ? 404 : 405).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    session.get = res;
    for (const resolve of session.opened.splice(0)) resolve(res);
    res.on('close', () => { if (session.get === res) session.get = null; });
    return;
  }
  if (req.method === 'DELETE') {
    if (session) session.get?.end();
    sessions.delete(req.headers['mcp-session-id']);
    res.writeHead(session ? 200 : 404).end();
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405).end();
    return;
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  let message;
  try { message = JSON.parse(Buffer.concat(chunks).toString()); } catch {
    res.writeHead(400).end();
    return;
  }
  handle(message, res, session);
});
srv.listen(port, '127.0.0.1', () => console.error(`leaky server listening on ${srv.address().port}`));
process.on('SIGTERM', () => process.exit(0));
