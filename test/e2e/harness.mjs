// End-to-end harness for the Bulkhead gateway: real peers, real processes, loopback only.
//
// startEnv() starts
//   - server-everything in Streamable HTTP mode on a free port (upstream "everything"),
//   - the gateway (`$BULKHEAD_BIN serve --config CFG --ready-file READY`) with that HTTP upstream and a stdio upstream
//     "local" (server-everything stdio, spawned by the gateway),
// and returns the gateway's MCP URL. With E2E_DIRECT=1 no gateway is started and the URL is server-everything's own
// (gateway-only assertions are skipped by the tests in that mode; see docs/testing.md).
//
// Every child runs in its own process group; close() kills the groups (SIGTERM, then SIGKILL), and an exit hook
// kills whatever is left if the test process ends early.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ClientV1, StreamableHTTPClientTransportV1, clientV2, serverEverythingEntry, inspectorCliEntry, typesV1,
} from '../peers/index.mjs';

export { serverEverythingEntry, inspectorCliEntry, typesV1 };
export const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(HERE, '..', '..');
export const DIRECT = process.env.E2E_DIRECT === '1';
export const GATEWAY = !DIRECT;
export const BULKHEAD_BIN = process.env.BULKHEAD_BIN || join(REPO, 'build', 'bin', 'bulkhead');
export const NODE = process.execPath;

export const V2025_06 = '2025-06-18';
export const V2025_11 = '2025-11-25';
export const V2026 = '2026-07-28';

// ---------------------------------------------------------------------------------------------------------------
// process bookkeeping

const live = new Set(); // { pid, name }

function killGroup(pid, signal) {
  try { process.kill(-pid, signal); return true; } catch { /* gone */ }
  try { process.kill(pid, signal); return true; } catch { return false; }
}

function killAllNow() { for (const p of live) { killGroup(p.pid, 'SIGKILL'); killSeenDescendants(p); } }
process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { killAllNow(); process.exit(128 + 15); });
}

function groupAlive(pid) {
  try { process.kill(-pid, 0); return true; } catch { return false; }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// /proc helpers: a process's parent and start time (field 22 of /proc/PID/stat), and its live descendants.
function procStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]), start: f[19] };
  } catch { return null; }
}

export function descendants(pid) {
  const parent = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const st = procStat(d);
    if (st && st.state !== 'Z') parent.set(Number(d), st.ppid);
  }
  const out = [];
  const walk = (p) => { for (const [c, pp] of parent) if (pp === p) { out.push(c); walk(c); } };
  walk(pid);
  return out;
}

// Remembers (pid, start time) of every descendant seen while `rec` runs: the gateway may put its stdio upstreams in
// their own process groups, and if it crashes they are re-parented away, so teardown kills them by this record.
function trackDescendants(rec) {
  rec.seen = new Map();
  const snap = () => {
    if (rec.exited !== null) return;
    for (const d of descendants(rec.pid)) {
      const st = procStat(d);
      if (st && !rec.seen.has(d)) rec.seen.set(d, st.start);
    }
  };
  snap();
  rec.tracker = setInterval(snap, 200);
  rec.tracker.unref();
}

function killSeenDescendants(rec) {
  if (!rec.seen) return [];
  const killed = [];
  for (const [pid, start] of rec.seen) {
    const st = procStat(pid);
    if (st && st.start === start && st.state !== 'Z') {
      try { process.kill(pid, 'SIGKILL'); killed.push(pid); } catch { /* gone */ }
    }
  }
  return killed;
}

// Spawns a child in its own process group; stdout/stderr are kept (bounded) for diagnostics.
export function startProcess(name, cmd, args, { env = {}, cwd } = {}) {
  const child = spawn(cmd, args, {
    cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const rec = { pid: child.pid, name, child, output: '', exited: null };
  const keep = (d) => { rec.output += d.toString(); if (rec.output.length > 200_000) rec.output = rec.output.slice(-100_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.on('exit', (code, signal) => { rec.exited = { code, signal }; });
  child.on('error', (err) => { rec.exited = { code: -1, signal: null, error: err }; keep(`spawn error: ${err.message}\n`); });
  if (child.pid) live.add(rec);
  return rec;
}

export async function stopProcess(rec, { graceMs = 3000 } = {}) {
  if (!rec || !rec.pid) return;
  killGroup(rec.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (rec.exited === null || groupAlive(rec.pid))) await sleep(25);
  if (rec.exited === null || groupAlive(rec.pid)) {
    if (rec.exited === null) rec.killedAfterGrace = true;
    killGroup(rec.pid, 'SIGKILL');
    const hard = Date.now() + 2000;
    while (Date.now() < hard && (rec.exited === null || groupAlive(rec.pid))) await sleep(25);
  }
  if (rec.tracker) clearInterval(rec.tracker);
  // Give descendants that were in other process groups the same grace, then kill what is left.
  const deadline2 = Date.now() + graceMs;
  const stillThere = () => [...(rec.seen ?? new Map())].some(([pid, start]) => { const st = procStat(pid); return st && st.start === start && st.state !== 'Z'; });
  while (Date.now() < deadline2 && stillThere()) await sleep(25);
  rec.leftDescendants = killSeenDescendants(rec);
  live.delete(rec);
}

// ---------------------------------------------------------------------------------------------------------------
// ports

export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

export function canConnect(port, host = '127.0.0.1') {
  return new Promise((res) => {
    const sock = net.connect({ port, host });
    sock.once('connect', () => { sock.destroy(); res(true); });
    sock.once('error', () => res(false));
  });
}

async function waitFor(what, fn, { timeoutMs = 20000, proc } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (proc && proc.exited) {
      throw new Error(`${what}: ${proc.name} exited early (${JSON.stringify(proc.exited)}):\n${proc.output.slice(-4000)}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: timed out after ${timeoutMs} ms${proc ? `\n${proc.name} output:\n${proc.output.slice(-4000)}` : ''}`);
    }
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// environment

export async function startEverythingHttp() {
  const port = await freePort();
  const proc = startProcess('server-everything(http)', NODE, [serverEverythingEntry, 'streamableHttp'], {
    env: { PORT: String(port) },
  });
  await waitFor('server-everything listening', () => canConnect(port), { proc });
  return { proc, port, url: `http://127.0.0.1:${port}/mcp` };
}

function tomlString(s) { return JSON.stringify(s); }

// Builds the gateway config text. upstreams: [{ name, transport: 'http', url } | { name, transport: 'stdio', command, args }]
// server: more [server] lines; auth: the [auth] section and what goes with it (default: mode "none").
export function gatewayConfig({ upstreams, requestTimeoutMs = 30000, extra = '', server = '', auth = '[auth]\nmode = "none"\n' }) {
  const lines = [
    '[server]',
    'listen = "127.0.0.1:0"',
    `request_timeout_ms = ${requestTimeoutMs}`,
    server,
    '',
    auth,
    '',
  ];
  for (const u of upstreams) {
    lines.push('[[upstream]]', `name = ${tomlString(u.name)}`, `transport = ${tomlString(u.transport)}`);
    if (u.transport === 'http') lines.push(`url = ${tomlString(u.url)}`);
    else {
      lines.push(`command = ${tomlString(u.command)}`);
      lines.push(`args = [${u.args.map(tomlString).join(', ')}]`);
    }
    if (u.prefix) lines.push(`prefix = ${tomlString(u.prefix)}`);
    lines.push('');
  }
  if (extra) lines.push(extra);
  return lines.join('\n');
}

export async function startGateway(configText, dir) {
  if (!existsSync(BULKHEAD_BIN)) throw new Error(`gateway binary not found: ${BULKHEAD_BIN} (set BULKHEAD_BIN or use E2E_DIRECT=1)`);
  const cfg = join(dir, 'bulkhead.toml');
  const ready = join(dir, 'ready.json');
  writeFileSync(cfg, configText);
  rmSync(ready, { force: true });  // a restart in the same folder must not read the previous run's file
  const proc = startProcess('bulkhead', BULKHEAD_BIN, ['serve', '--config', cfg, '--ready-file', ready], { cwd: dir });
  trackDescendants(proc);
  let info;
  await waitFor('gateway ready file', () => {
    if (!existsSync(ready)) return false;
    try { info = JSON.parse(readFileSync(ready, 'utf8')); return true; } catch { return false; }
  }, { proc, timeoutMs: 30000 });
  if (typeof info.url !== 'string' || !/^https?:\/\/127\.0\.0\.1:\d+\/mcp$/.test(info.url)) {
    throw new Error(`ready file has no usable url: ${JSON.stringify(info)}`);
  }
  const base = info.url.replace(/\/mcp$/, '');
  return { proc, url: info.url, base, ready: info, configPath: cfg };
}

// Standard environment. Options:
//   extraUpstreams: more [[upstream]] entries (objects as in gatewayConfig)
//   requestTimeoutMs: [server] request_timeout_ms
// Returns { url, base, everythingUrl, gateway: bool, logs(), close() }.
//   withLocal: include the stdio upstream "local" (default true)
export async function startEnv({ extraUpstreams = [], requestTimeoutMs = 30000, withLocal = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-e2e-'));
  const procs = [];
  const env = {
    dir, gateway: GATEWAY, url: null, base: null, everythingUrl: null, procs,
    logs() { return procs.map((p) => `--- ${p.name} (pid ${p.pid}) ---\n${p.output.slice(-6000)}`).join('\n'); },
    async close() {
      // A child that is gone before teardown crashed or exited on its own: report it with its output. The gateway
      // must also exit 0 on SIGTERM (contract).
      const died = procs.filter((p) => p.exited !== null && !p.expectedExit);
      if (process.env.E2E_LOGS === '1') process.stderr.write(`${env.logs()}\n`);
      for (const p of procs.slice().reverse()) {
        const wasRunning = p.exited === null;
        await stopProcess(p);
        if (wasRunning && p.mustExitCleanly && !(p.exited && p.exited.code === 0)) died.push(p);
      }
      const leftovers = procs.filter((p) => groupAlive(p.pid));
      for (const p of procs) {
        if (p.leftDescendants?.length && p.exited?.code === 0) {
          leftovers.push({ name: `${p.name}'s children ${p.leftDescendants.join(',')} (still running after it exited cleanly)` });
        }
      }
      rmSync(dir, { recursive: true, force: true });
      if (leftovers.length) throw new Error(`leftover processes: ${leftovers.map((p) => p.name).join(', ')}`);
      if (died.length) {
        const why = (p) => (p.killedAfterGrace
          ? `${p.name} did not exit within 3 s of SIGTERM although the test had nothing in flight (SIGKILLed)`
          : `${p.name} exited during the test or not cleanly on SIGTERM (${JSON.stringify(p.exited)})`);
        const msg = died.map((p) => `${why(p)}; its output:\n${p.output.slice(-8000)}`).join('\n');
        process.stderr.write(`\n!!! ${msg}\n`);
        throw new Error(msg);
      }
    },
  };
  try {
    const everything = await startEverythingHttp();
    procs.push(everything.proc);
    env.everythingUrl = everything.url;
    if (DIRECT) {
      env.url = everything.url;
      env.base = everything.url.replace(/\/mcp$/, '');
      return env;
    }
    const cfg = gatewayConfig({
      requestTimeoutMs,
      upstreams: [
        { name: 'everything', transport: 'http', url: everything.url },
        ...(withLocal ? [{ name: 'local', transport: 'stdio', command: NODE, args: [serverEverythingEntry, 'stdio'] }] : []),
        ...extraUpstreams,
      ],
    });
    const gw = await startGateway(cfg, dir);
    gw.proc.mustExitCleanly = true;
    procs.push(gw.proc);
    env.gatewayProc = gw.proc;
    env.url = gw.url;
    env.base = gw.base;
    env.ready = gw.ready;
    return env;
  } catch (err) {
    const logs = env.logs();
    await env.close().catch(() => {});
    err.message += `\n${logs}`;
    throw err;
  }
}

// Starts the 2026-07-28 reference server (v2 server SDK); only used in direct mode.
export async function startModernReference() {
  const port = await freePort();
  const proc = startProcess('modern-reference', NODE, [join(HERE, 'modern-reference-server.mjs'), String(port)]);
  await waitFor('modern reference listening', () => canConnect(port), { proc });
  return { proc, url: `http://127.0.0.1:${port}/mcp`, close: () => stopProcess(proc) };
}

// ---------------------------------------------------------------------------------------------------------------
// clients

// v1 SDK client (protocol 2025-11-25 by default). The v1 SDK always offers its latest version (2025-11-25) in
// `initialize`; to ask for 2025-06-18 the transport's outgoing initialize is rewritten (the SDK accepts 2025-06-18
// back since it is in its supported list). setup(client) runs before connecting (register request handlers there).
// Returns { client, transport, protocolVersion, sessionId }.
export async function connectV1(url, { version = V2025_11, capabilities = {}, name = 'bulkhead-e2e', headers, setup } = {}) {
  const client = new ClientV1({ name, version: '1.0.0' }, { capabilities });
  if (setup) setup(client);
  const transport = new StreamableHTTPClientTransportV1(new URL(url), headers ? { requestInit: { headers } } : undefined);
  // Diagnostics only (never in CI): E2E_NO_GET_STREAM=1 keeps the client from opening its GET SSE stream, to see
  // past a gateway bug on that stream.
  if (process.env.E2E_NO_GET_STREAM === '1') transport._startOrAuthSse = async () => {};
  const send = transport.send.bind(transport);
  transport.send = (message, opts) => {
    if (message && message.method === 'initialize') {
      message = { ...message, params: { ...message.params, protocolVersion: version } };
    }
    return send(message, opts);
  };
  await client.connect(transport);
  return { client, transport, protocolVersion: transport.protocolVersion, sessionId: transport.sessionId };
}

// v2 client pinned to protocol 2026-07-28.
export async function connectV2(url, { capabilities = {}, name = 'bulkhead-e2e-v2', fetchImpl, setup } = {}) {
  const { Client, StreamableHTTPClientTransport } = clientV2;
  const client = new Client({ name, version: '1.0.0' },
    { capabilities, versionNegotiation: { mode: { pin: V2026 } } });
  if (setup) setup(client);
  const transport = new StreamableHTTPClientTransport(new URL(url), fetchImpl ? { fetch: fetchImpl } : undefined);
  await client.connect(transport);
  return { client, transport };
}

// Lists every page of a list method, returning { items, pages }.
export async function listAll(client, method, key, { maxPages = 100 } = {}) {
  const items = [];
  let cursor;
  let pages = 0;
  for (;;) {
    const params = cursor ? { cursor } : {};
    let res;
    if (method === 'tools/list') res = await client.listTools(params);
    else if (method === 'prompts/list') res = await client.listPrompts(params);
    else if (method === 'resources/list') res = await client.listResources(params);
    else if (method === 'resources/templates/list') res = await client.listResourceTemplates(params);
    else throw new Error(`unsupported list method ${method}`);
    pages += 1;
    items.push(...res[key]);
    if (!res.nextCursor) break;
    if (pages >= maxPages) throw new Error(`${method}: nextCursor did not converge after ${pages} pages`);
    cursor = res.nextCursor;
  }
  return { items, pages };
}

export function textOf(result) {
  return (result.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// raw HTTP

// Parses a text/event-stream body into the JSON payloads of its `data:` events.
export function parseSse(text) {
  const out = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
    if (data.length === 0) continue;
    const joined = data.join('\n');
    if (joined.trim() === '') continue;
    try { out.push(JSON.parse(joined)); } catch { out.push({ unparsed: joined }); }
  }
  return out;
}

// POSTs a raw body. Returns { status, headers, text, messages, json } where messages are the JSON-RPC messages in
// the body (JSON or SSE) and json is the response to `expectId` (or the first message).
export async function rawPost(url, body, { headers = {}, expectId, timeoutMs = 15000 } = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  const ct = res.headers.get('content-type') || '';
  let messages = [];
  if (ct.includes('text/event-stream')) messages = parseSse(text);
  else if (text.length) {
    try { const v = JSON.parse(text); messages = Array.isArray(v) ? v : [v]; } catch { messages = []; }
  }
  let json = messages[0];
  if (expectId !== undefined) json = messages.find((m) => m && m.id === expectId) ?? json;
  return { status: res.status, headers: res.headers, contentType: ct, text, messages, json };
}

// A 2025-era session over raw HTTP: initialize + notifications/initialized. Returns helpers bound to the session.
export async function rawSession(url, { version = V2025_11, capabilities = {} } = {}) {
  const init = await rawPost(url, {
    jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: version, capabilities, clientInfo: { name: 'bulkhead-e2e-raw', version: '1.0.0' } },
  }, { expectId: 1 });
  if (init.status !== 200 || !init.json?.result) {
    throw new Error(`initialize failed: HTTP ${init.status} ${init.text.slice(0, 500)}`);
  }
  const sessionId = init.headers.get('mcp-session-id');
  const negotiated = init.json.result.protocolVersion;
  const hdrs = () => ({ 'mcp-session-id': sessionId, 'mcp-protocol-version': negotiated });
  const notified = await rawPost(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { headers: hdrs() });
  let nextId = 100;
  const s = {
    sessionId, init, negotiated, initializedStatus: notified.status, headers: hdrs,
    post: (body, opts = {}) => rawPost(url, body, { ...opts, headers: { ...hdrs(), ...(opts.headers || {}) } }),
    request: (method, params = {}, opts = {}) => {
      const id = nextId++;
      return rawPost(url, { jsonrpc: '2.0', id, method, params }, { ...opts, expectId: id, headers: { ...hdrs(), ...(opts.headers || {}) } });
    },
    close: () => fetch(url, { method: 'DELETE', headers: hdrs() }).then((r) => r.status).catch(() => 0),
  };
  return s;
}

// Modern (2026-07-28) raw request: the per-request `_meta` envelope plus the standard headers, exactly as the v2
// client sends them. headers override/extend the standard ones.
export function modernRequest(id, method, params = {}, { name } = {}) {
  const meta = {
    'io.modelcontextprotocol/protocolVersion': V2026,
    'io.modelcontextprotocol/clientInfo': { name: 'bulkhead-e2e-raw', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const body = { jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } };
  const headers = { 'mcp-protocol-version': V2026, 'mcp-method': method };
  if (name !== undefined) headers['mcp-name'] = name;
  return { body, headers };
}

// POSTs a JSON-RPC body of exactly totalBytes over a raw socket and resolves with the HTTP status, headers and body
// of the answer. A server may answer (e.g. 413) before it has read the whole body and then close the connection:
// the upload stops as soon as any answer arrives, and write errors (EPIPE, ECONNRESET) after that are expected.
// Options: headWaitMs — pause after the request head so a server that judges by Content-Length can answer before
// the upload starts (what curl's Expect: 100-continue wait achieves; makes the test independent of how the server
// closes); chunked — send the body with Transfer-Encoding: chunked (no Content-Length). The result has uploaded:
// whether the whole body went out.
export function postLarge(url, totalBytes, headers = {}, { headWaitMs = 300, chunked = false } = {}) {
  return new Promise((resolveP, reject) => {
    const u = new URL(url);
    const prefix = Buffer.from('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"everything__echo","arguments":{"message":"');
    const suffix = Buffer.from('"}}}');
    const fillLen = totalBytes - prefix.length - suffix.length;
    const head = [`POST ${u.pathname} HTTP/1.1`, `Host: ${u.host}`, 'Content-Type: application/json',
      'Accept: application/json, text/event-stream',
      chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${totalBytes}`, 'Connection: close',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
    const sock = net.connect({ host: u.hostname, port: Number(u.port) });
    const chunks = [];
    let answered = false;
    let writeError = null;
    const timer = setTimeout(() => { sock.destroy(); finish(); }, 20000);
    function finish() {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(raw);
      if (!m) {
        resolveP({ status: 0, headers: {}, text: '', uploaded, writeError: writeError?.code ?? null });
        return;
      }
      const sep = raw.indexOf('\r\n\r\n');
      const hdrs = {};
      for (const line of raw.slice(0, sep).split('\r\n').slice(1)) {
        const k = line.indexOf(':');
        if (k > 0) hdrs[line.slice(0, k).trim().toLowerCase()] = line.slice(k + 1).trim();
      }
      let text = sep >= 0 ? Buffer.from(raw.slice(sep + 4), 'latin1').toString('utf8') : '';
      if (/chunked/i.test(hdrs['transfer-encoding'] || '')) {
        let out = ''; let rest = text;
        for (;;) {
          const nl = rest.indexOf('\r\n'); if (nl < 0) break;
          const n = parseInt(rest.slice(0, nl), 16); if (!n) break;
          out += rest.slice(nl + 2, nl + 2 + n); rest = rest.slice(nl + 2 + n + 2);
        }
        text = out;
      }
      resolveP({ status: Number(m[1]), headers: hdrs, text, uploaded, writeError: writeError?.code ?? null });
    }
    // Done once the head is in and either the Content-Length body, or (for an SSE answer) one whole event.
    const complete = () => {
      const buf = Buffer.concat(chunks);
      const sep = buf.indexOf('\r\n\r\n');
      if (sep < 0) return false;
      const headText = buf.subarray(0, sep).toString('latin1');
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(headText);
      if (cl) return buf.length - sep - 4 >= Number(cl[1]);
      if (/\r\ncontent-type:\s*text\/event-stream/i.test(headText)) return /\n\n/.test(buf.subarray(sep + 4).toString('latin1'));
      return false;
    };
    let done = false;
    sock.on('data', (d) => {
      chunks.push(d); answered = true;
      if (!done && complete()) { done = true; sock.destroy(); }
    });
    sock.on('error', (err) => { writeError = err; });
    sock.on('close', () => { done = true; finish(); });
    let uploaded = false;
    const frame = (b) => (chunked ? Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]) : b);
    sock.on('connect', () => {
      sock.write(head);
      setTimeout(() => {
        if (answered || sock.destroyed) return;
        sock.write(frame(prefix));
        const chunk = Buffer.alloc(64 * 1024, 'a');
        let left = fillLen;
        const pump = () => {
          while (left > 0) {
            if (answered || sock.destroyed) return;
            const n = Math.min(left, chunk.length);
            left -= n;
            if (!sock.write(frame(n === chunk.length ? chunk : chunk.subarray(0, n)))) { sock.once('drain', pump); return; }
          }
          sock.write(frame(suffix));
          if (chunked) sock.write('0\r\n\r\n');
          uploaded = true;
        };
        pump();
      }, headWaitMs);
    });
  });
}

// A request over node:http, which (unlike fetch) lets the caller set Host. Resolves { status, headers, text }.
export function rawHttp(url, { method = 'POST', headers = {}, body } = {}) {
  return new Promise((resolveP, reject) => {
    const u = new URL(url);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method, headers, timeout: 15000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolveP({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

export async function healthz(base) {
  const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status;
}

export const randomHex = (bytes) => randomBytes(bytes).toString('hex');

// Bits of entropy a session id can carry given its alphabet (hex → 4/char, base64url → 6/char; dashes ignored).
export function sessionIdBits(id) {
  const s = id.replace(/-/g, '');
  if (/^[0-9a-fA-F]+$/.test(s)) return s.length * 4;
  if (/^[A-Za-z0-9_-]+={0,2}$/.test(id)) return id.replace(/=+$/, '').length * 6;
  return 0;
}

// Names of every tool server-everything offers with the given client capabilities (asked directly, no gateway).
export async function directToolNames(everythingUrl, capabilities = {}) {
  const { client } = await connectV1(everythingUrl, { capabilities });
  try {
    const { items } = await listAll(client, 'tools/list', 'tools');
    return items.map((t) => t.name);
  } finally {
    await client.close();
  }
}
