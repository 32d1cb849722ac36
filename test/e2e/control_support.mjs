// Helpers shared by the end-to-end tests of the controls around the gateway (task tokens, the control register,
// offboarding): OAuth form posts, one-request MCP sessions with a bearer token, the bulkhead CLI, the audit log,
// and the gateway's stdio processes with their environments.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BULKHEAD_BIN, descendants, rawPost, serverEverythingEntry } from './harness.mjs';
import { AUDIENCE, initializeBody, signingKey, writeJwks } from './identity_support.mjs';

export const TENANT_DOMAINS = ['acme.test', 'globex.test'];

// The two-tenant set-up the control tests share: an EdDSA signing key and its JWKS file per trust domain in `dir`
// (keys[domain] mints SVIDs), and the head of a bulkhead.toml naming them — [server] on `listen` (default port 0:
// the ready file names the port, so no parallel test can take it first), [auth] with the test audience, one
// [[trust_domain]] and one [[tenant]] (acme, globex) per domain, [tokens] on defaults.
export async function twoTenantSetup(dir, listen = '127.0.0.1:0') {
  const keys = {};
  for (const domain of TENANT_DOMAINS) {
    keys[domain] = await signingKey(dir, domain, 'EdDSA');
    writeJwks(join(dir, `${domain}.jwks.json`), [keys[domain]]);
  }
  const head = [
    '[server]', `listen = "${listen}"`, '',
    '[auth]', `audience = "${AUDIENCE}"`, '',
    ...TENANT_DOMAINS.flatMap((d) => ['[[trust_domain]]', `name = "${d}"`, `jwks_file = "${d}.jwks.json"`, '']),
    ...TENANT_DOMAINS.flatMap((d) => ['[[tenant]]', `id = "${d.split('.')[0]}"`, `agents = ["spiffe://${d}/agent/*"]`, '']),
    '[tokens]', '',
  ];
  return { keys, head };
}

export const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT = 'urn:ietf:params:oauth:token-type:jwt';

export const form = (fields) => new URLSearchParams(Object.entries(fields).filter(([, v]) => v !== undefined)).toString();

// POST a form to one of the gateway's OAuth endpoints. Resolves { status, headers, json, text }.
export async function oauth(gw, path, fields, { bearer, contentType = 'application/x-www-form-urlencoded' } = {}) {
  const h = { 'content-type': contentType };
  if (bearer) h.authorization = `Bearer ${bearer}`;
  const res = await fetch(`${gw.base}${path}`, { method: 'POST', headers: h, body: form(fields) });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, json, text };
}

// Exchanges `svid` (the caller's own) for a task token; resolves the raw answer.
export function exchange(gw, svid, fields) {
  return oauth(gw, '/oauth/token', { grant_type: EXCHANGE, subject_token_type: JWT, subject_token: svid, ...fields },
    { bearer: svid });
}

// A 2025-11-25 session with `token` (initialize + initialized), then one request; the raw answer to that request
// (or to initialize, when that was refused).
export async function mcp(gw, token, method, params = {}, { headers: extra = {} } = {}) {
  const h = { authorization: `Bearer ${token}`, ...extra };
  const init = await rawPost(gw.url, initializeBody(), { headers: h });
  if (init.status !== 200) return init;
  const sh = { ...h, 'mcp-session-id': init.headers.get('mcp-session-id'), 'mcp-protocol-version': '2025-11-25' };
  await rawPost(gw.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { headers: sh });
  return rawPost(gw.url, { jsonrpc: '2.0', id: 2, method, params }, { headers: sh, expectId: 2 });
}

// An open session: call(method, params) sends one more request on it.
export async function openSession(gw, token) {
  const h = { authorization: `Bearer ${token}` };
  const init = await rawPost(gw.url, initializeBody(), { headers: h });
  if (init.status !== 200) throw new Error(`initialize: ${init.status} ${init.text}`);
  const sh = { ...h, 'mcp-session-id': init.headers.get('mcp-session-id'), 'mcp-protocol-version': '2025-11-25' };
  await rawPost(gw.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { headers: sh });
  let id = 10;
  return {
    headers: sh,
    call(method, params = {}) {
      id += 1;
      return rawPost(gw.url, { jsonrpc: '2.0', id, method, params }, { headers: sh, expectId: id });
    },
  };
}

export const toolText = (res) => res.json?.result?.content?.[0]?.text;
export const reasonOf = (res) => res.json?.error?.data?.reason;

// Runs the bulkhead CLI with the config in `dir`; resolves { code, out, err }.
export function cli(dir, args, input) {
  const run = spawnSync(BULKHEAD_BIN, ['--config', join(dir, 'bulkhead.toml'), ...args], { input, encoding: 'utf8', cwd: dir });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

// Every record of the audit log in `auditDir` as { seq, ...record }.
export function auditRecords(auditDir) {
  const out = execFileSync(BULKHEAD_BIN, ['audit', 'tail', auditDir], { encoding: 'utf8' });
  return out.trim().split('\n').filter(Boolean).map((line) => {
    const parsed = JSON.parse(line);
    return { seq: parsed.seq, ...parsed.record };
  });
}

// The stdio server-everything processes the gateway `gw` runs, with their environments.
export function stdioProcesses(gw) {
  const mine = new Set(descendants(gw.proc.pid));
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(serverEverythingEntry) && l.includes('stdio'))
    .map((l) => Number(l.trim().split(/\s+/)[0])).filter((pid) => mine.has(pid)).map((pid) => {
      let environ = '';
      try { environ = readFileSync(`/proc/${pid}/environ`, 'utf8'); } catch { /* gone */ }
      return { pid, env: environ.split('\0') };
    });
}
