// Task tokens and per-tenant upstream credentials through the real gateway (issue #6): the RFC 8693 exchange matrix
// over HTTP, tokens verified independently by `jose` against /.well-known/jwks.json, scope enforcement on /mcp,
// a three-agent delegation chain with cascading revocation (RFC 7009 and `bulkhead token revoke`), revocations
// surviving a restart, RFC 7662 introspection, the audit trail of all of it, and credential isolation: an HTTP
// upstream that echoes the headers it received, and one stdio process per tenant holding only its own secrets.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BULKHEAD_BIN, GATEWAY, NODE, canConnect, freePort, serverEverythingEntry, sleep, startGateway, startProcess,
  stopProcess,
} from './harness.mjs';
import { AUDIENCE, mintSvid, signingKey, writeJwks } from './identity_support.mjs';
import {
  EXCHANGE, JWT, auditRecords, cli as cliIn, exchange as exchangeAt, mcp as mcpAt, oauth as oauthAt,
  stdioProcesses as stdioProcessesOf, toolText,
} from './control_support.mjs';
import { jose, peersDir } from '../peers/index.mjs';

const A = 'spiffe://acme.test/agent/a';
const B = 'spiffe://acme.test/agent/b';
const C = 'spiffe://acme.test/agent/c';
const G = 'spiffe://globex.test/agent/g';
const I = 'spiffe://initech.test/agent/i';
const SECRETS = {
  acme: { api_key: 'acme-upstream-key-7f3a', api_token: 'acme-stdio-token-91c2' },
  globex: { api_key: 'globex-upstream-key-0b44', api_token: 'globex-stdio-token-5d10' },
};

let dir;
let gw;
let headers;  // the header-echoing upstream
let keys;
let configText;

const svid = (sub, opts = {}) => mintSvid(keys[new URL(sub).host], { sub, ...opts });
const oauth = (path, fields, opts) => oauthAt(gw, path, fields, opts);
const mcp = (token, method, params, opts) => mcpAt(gw, token, method, params, opts);
const cli = (args, input) => cliIn(dir, args, input);
const auditTail = () => auditRecords(join(dir, 'var', 'audit'));
const stdioProcesses = () => stdioProcessesOf(gw);

async function exchange(caller, fields) {
  return exchangeAt(gw, await svid(caller), fields);
}

async function taskToken(caller, fields) {
  const res = await exchange(caller, fields);
  assert.equal(res.status, 200, res.text);
  return res.json.access_token;
}

async function delegate(caller, parent, fields = {}) {
  const actor = await svid(caller);
  return oauth('/oauth/token', {
    grant_type: EXCHANGE, subject_token_type: JWT, subject_token: parent, actor_token: actor, actor_token_type: JWT,
    ...fields,
  }, { bearer: actor });
}

describe('task tokens and per-tenant credentials', { skip: !GATEWAY }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulkhead-tokens-'));
    keys = {};
    for (const domain of ['acme.test', 'globex.test', 'initech.test']) {
      keys[domain] = await signingKey(dir, domain, 'EdDSA');
      writeJwks(join(dir, `${domain}.jwks.json`), [keys[domain]]);
    }
    const port = await freePort();
    const gatewayPort = await freePort();  // fixed across the restart: the issuer (public URL) stays the same
    headers = startProcess('headers-server', NODE, [join(peersDir, 'headers-server', 'server.mjs'), String(port)]);
    for (let i = 0; i < 100 && !(await canConnect(port)); i++) await sleep(50);
    configText = [
      '[server]', `listen = "127.0.0.1:${gatewayPort}"`, '',
      '[auth]', `audience = "${AUDIENCE}"`, '',
      ...['acme.test', 'globex.test', 'initech.test'].flatMap((d) => ['[[trust_domain]]', `name = "${d}"`,
        `jwks_file = "${d}.jwks.json"`, '']),
      '[[tenant]]', 'id = "acme"', 'agents = ["spiffe://acme.test/agent/*"]', '',
      '[[tenant]]', 'id = "globex"', 'agents = ["spiffe://globex.test/agent/*"]', '',
      '[[tenant]]', 'id = "initech"', 'agents = ["spiffe://initech.test/agent/*"]', '',
      '[tokens]', 'default_ttl_seconds = 300', 'max_ttl_seconds = 900', '',
      '[audit]', 'dir = "var/audit"', '',
      '[[upstream]]', 'name = "hdr"', 'transport = "http"', `url = "http://127.0.0.1:${port}/mcp"`,
      'credential_header = "X-Api-Key"', 'credential_format = "Key {secret}"', 'credential_name = "api_key"', '',
      '[[upstream]]', 'name = "local"', 'transport = "stdio"', `command = ${JSON.stringify(NODE)}`,
      `args = [${JSON.stringify(serverEverythingEntry)}, "stdio"]`, 'secret_env = { API_TOKEN = "api_token" }', '',
    ].join('\n');
    // Credentials go in through the CLI before the gateway runs (values on stdin, never on the command line).
    writeFileSync(join(dir, 'bulkhead.toml'), configText);
    for (const [tenant, values] of Object.entries(SECRETS)) {
      let r = cli(['secrets', 'set', '--upstream', 'hdr', '--tenant', tenant, '--name', 'api_key'], `${values.api_key}\n`);
      assert.equal(r.code, 0, r.err);
      r = cli(['secrets', 'set', '--upstream', 'local', '--tenant', tenant, '--name', 'api_token'], values.api_token);
      assert.equal(r.code, 0, r.err);
    }
    gw = await startGateway(configText, dir);
  });

  after(async () => {
    if (gw && process.env.E2E_LOGS === '1') process.stderr.write(`--- bulkhead ---\n${gw.proc.output.slice(-8000)}\n`);
    if (gw) await stopProcess(gw.proc);
    if (headers) await stopProcess(headers);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('secrets list shows names, never values', () => {
    const r = cli(['secrets', 'list']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /hdr\s+acme\s+api_key/);
    assert.match(r.out, /local\s+globex\s+api_token/);
    for (const values of Object.values(SECRETS)) for (const v of Object.values(values)) assert.ok(!r.out.includes(v));
    const db = readFileSync(join(dir, 'var', 'bulkhead.db'));
    for (const values of Object.values(SECRETS)) for (const v of Object.values(values)) {
      assert.ok(!db.includes(Buffer.from(v)), 'the database holds no credential in the clear');
    }
  });

  test('exchange matrix with RFC error codes', async () => {
    const ok = await exchange(A, { task: 't-matrix', scope: 'hdr__whoami local__echo' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.token_type, 'Bearer');
    assert.equal(ok.json.issued_token_type, JWT);
    assert.equal(ok.json.expires_in, 300);
    assert.equal(ok.json.scope, 'hdr__whoami local__echo');
    assert.equal(ok.headers.get('cache-control'), 'no-store');
    const expired = await svid(A, { claims: { exp: Math.floor(Date.now() / 1000) - 120 } });
    const fresh = await svid(A);
    const cases = [
      ['expired subject', { grant_type: EXCHANGE, subject_token_type: JWT, subject_token: expired, task: 't', scope: 'x' },
        fresh, 400, 'invalid_grant', 'token_expired'],
      ['wrong tenant', { grant_type: EXCHANGE, subject_token_type: JWT, subject_token: fresh, task: 't', scope: 'x',
        tenant: 'globex' }, fresh, 400, 'invalid_target', 'tenant_not_bound'],
      ['over-long lifetime', { grant_type: EXCHANGE, subject_token_type: JWT, subject_token: fresh, task: 't', scope: 'x',
        lifetime_seconds: '901' }, fresh, 400, 'invalid_request', 'invalid_request'],
      ['unknown grant type', { grant_type: 'client_credentials', subject_token_type: JWT, subject_token: fresh }, fresh,
        400, 'unsupported_grant_type', 'invalid_request'],
      ['missing subject_token', { grant_type: EXCHANGE, subject_token_type: JWT, task: 't', scope: 'x' }, fresh, 400,
        'invalid_request', 'invalid_request'],
      ['missing task', { grant_type: EXCHANGE, subject_token_type: JWT, subject_token: fresh, scope: 'x' }, fresh, 400,
        'invalid_request', 'invalid_request'],
      ['missing scope', { grant_type: EXCHANGE, subject_token_type: JWT, subject_token: fresh, task: 't' }, fresh, 400,
        'invalid_scope', 'invalid_request'],
      ['no caller credential', { grant_type: EXCHANGE, subject_token_type: JWT, subject_token: fresh, task: 't',
        scope: 'x' }, undefined, 401, 'invalid_client', 'unauthenticated'],
    ];
    for (const [name, fields, bearer, status, error, reason] of cases) {
      const res = await oauth('/oauth/token', fields, { bearer });
      assert.equal(res.status, status, `${name}: ${res.text}`);
      assert.equal(res.json.error, error, name);
      assert.equal(res.json.reason, reason, name);
    }
    // Scope widening on delegation, and a task token presented as the caller's credential.
    const widened = await delegate(B, ok.json.access_token, { scope: 'hdr__* local__echo' });
    assert.equal(widened.status, 400, widened.text);
    assert.equal(widened.json.error, 'invalid_scope');
    assert.equal(widened.json.reason, 'delegation_widening');
    const switched = await delegate(B, ok.json.access_token, { tenant: 'globex' });
    assert.equal(switched.json.reason, 'delegation_widening');
    const asCaller = await oauth('/oauth/token', { grant_type: EXCHANGE, subject_token_type: JWT,
      subject_token: fresh, task: 't', scope: 'x' }, { bearer: ok.json.access_token });
    assert.equal(asCaller.status, 401, asCaller.text);
    const wrongType = await oauth('/oauth/token', { grant_type: EXCHANGE }, { bearer: fresh, contentType: 'application/json' });
    assert.equal(wrongType.status, 400);
  });

  test('jose verifies Bulkhead task tokens against the published JWKS', async () => {
    const token = await taskToken(A, { task: 't-jose', scope: 'hdr__whoami' });
    const meta = await (await fetch(`${gw.base}/.well-known/oauth-authorization-server`)).json();
    assert.equal(meta.token_endpoint, `${gw.base}/oauth/token`);
    assert.equal(meta.jwks_uri, `${gw.base}/.well-known/jwks.json`);
    const jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri));
    const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, { issuer: meta.issuer, audience: gw.base,
      algorithms: ['EdDSA'] });
    assert.equal(protectedHeader.alg, 'EdDSA');
    assert.ok(protectedHeader.kid);
    assert.equal(payload.sub, A);
    assert.equal(payload.tenant, 'acme');
    assert.equal(payload.task, 't-jose');
    assert.equal(payload.scope, 'hdr__whoami');
    assert.equal(payload.exp - payload.iat, 300);
    assert.ok(payload.jti);
    const resource = await (await fetch(`${gw.base}/.well-known/oauth-protected-resource/mcp`)).json();
    assert.deepEqual(resource.authorization_servers, [meta.issuer]);
  });

  test('the scope bounds lists and calls; the token names the tenant', async () => {
    const token = await taskToken(A, { task: 't-scope', scope: 'hdr__whoami' });
    const list = await mcp(token, 'tools/list');
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json.result.tools.map((t) => t.name), ['hdr__whoami']);
    const allowed = await mcp(token, 'tools/call', { name: 'hdr__whoami', arguments: {} });
    assert.equal(toolText(allowed), `Key ${SECRETS.acme.api_key}`);
    const outside = await mcp(token, 'tools/call', { name: 'hdr__headers', arguments: {} });
    assert.equal(outside.status, 403, outside.text);
    assert.equal(outside.json.error.data.reason, 'scope_insufficient');
    assert.match(outside.headers.get('www-authenticate'), /error="insufficient_scope", scope="hdr__headers"/);
    const other = await mcp(token, 'tools/list', {}, { headers: { 'bulkhead-tenant': 'globex' } });
    assert.equal(other.status, 403, other.text);
    assert.equal(other.json.error.data.reason, 'tenant_not_bound');
  });

  test('delegation over three agents; revoking a middle hop, then the root, cascades', async () => {
    const a = await taskToken(A, { task: 't-chain', scope: 'hdr__* local__echo' });
    const b = await delegate(B, a, { scope: 'hdr__*' });
    assert.equal(b.status, 200, b.text);
    const c = await delegate(C, b.json.access_token, { scope: 'hdr__whoami' });
    assert.equal(c.status, 200, c.text);
    const claims = jose.decodeJwt(c.json.access_token);
    assert.equal(claims.sub, A);
    assert.deepEqual(claims.act, { sub: C, act: { sub: B } });
    assert.equal(claims.bulkhead_parents.length, 2);
    const called = await mcp(c.json.access_token, 'tools/call', { name: 'hdr__whoami', arguments: {} });
    assert.equal(toolText(called), `Key ${SECRETS.acme.api_key}`, called.text);
    // A second branch from A survives revoking B's subtree.
    const d = await delegate(C, a, { scope: 'local__echo' });
    assert.equal(d.status, 200, d.text);
    // B revokes its own token (RFC 7009): B's and C's die on the very next request, A's and D's live.
    const bSvid = await svid(B);
    const revoked = await oauth('/oauth/revoke', { token: b.json.access_token, token_type_hint: 'access_token' },
      { bearer: bSvid });
    assert.equal(revoked.status, 200, revoked.text);
    for (const [token, alive] of [[a, true], [b.json.access_token, false], [c.json.access_token, false],
      [d.json.access_token, true]]) {
      const res = await mcp(token, 'tools/list');
      if (alive) assert.equal(res.status, 200, res.text);
      else {
        assert.equal(res.status, 401, res.text);
        assert.equal(res.json.error.data.reason, 'token_revoked');
        assert.match(res.headers.get('www-authenticate'), /error="invalid_token"/);
      }
    }
    // Introspection (RFC 7662) agrees, and says nothing to another tenant.
    const seenByAcme = await oauth('/oauth/introspect', { token: a }, { bearer: await svid(C) });
    assert.equal(seenByAcme.json.active, true);
    assert.equal(seenByAcme.json.task, 't-chain');
    const seenByGlobex = await oauth('/oauth/introspect', { token: a }, { bearer: await svid(G) });
    assert.deepEqual(seenByGlobex.json, { active: false });
    const dead = await oauth('/oauth/introspect', { token: c.json.access_token }, { bearer: await svid(A) });
    assert.equal(dead.json.active, false);
    // A workload outside the chain may not revoke.
    const foreign = await oauth('/oauth/revoke', { token: a }, { bearer: await svid(G) });
    assert.equal(foreign.status, 400);
    assert.equal(foreign.json.error, 'unauthorized_client');
    // The operator ends the task: every token of it is refused at once.
    const ended = cli(['token', 'revoke', '--task', 't-chain', '--tenant', 'acme', '--reason', 'task finished']);
    assert.equal(ended.code, 0, ended.err);
    assert.match(ended.out, /revoked task acme\/t-chain/);
    for (const token of [a, d.json.access_token]) {
      const res = await mcp(token, 'tools/list');
      assert.equal(res.status, 401, res.text);
      assert.equal(res.json.error.data.reason, 'token_revoked');
    }
    const again = await exchange(A, { task: 't-chain', scope: 'hdr__*' });
    assert.equal(again.json.error, 'invalid_grant');
    // The audit trail: the exchanges with their chains, the revocations, the refused attempts.
    let records = [];
    for (let i = 0; i < 40; i++) {
      records = auditTail();
      if (records.some((r) => r.detail?.event === 'token_revoke' && r.principal?.startsWith('cli:'))) break;
      await sleep(100);
    }
    const exchanges = records.filter((r) => r.detail?.event === 'token_exchange' && r.task === 't-chain');
    assert.ok(exchanges.some((r) => JSON.stringify(r.delegation) === JSON.stringify([C, B, A])),
      JSON.stringify(exchanges));
    assert.ok(records.some((r) => r.detail?.event === 'token_revoke' && r.principal === B));
    assert.ok(records.some((r) => r.detail?.event === 'token_revoke' && r.principal?.startsWith('cli:') &&
      r.detail?.value === 'acme/t-chain' && r.detail?.why === 'task finished'), 'the CLI revocation is audited');
    assert.ok(records.some((r) => r.tool === 'hdr__whoami' && r.task === 't-chain' &&
      JSON.stringify(r.delegation) === JSON.stringify([C, B, A])), 'the call carries task and chain');
    assert.ok(records.some((r) => r.reason === 'token_revoked'), 'refused attempts are on record');
    for (const r of records) assert.ok(!JSON.stringify(r).includes(a), 'no token in the audit log');
  });

  test('revocations survive a restart', async () => {
    const token = await taskToken(A, { task: 't-restart', scope: 'hdr__whoami' });
    const jti = jose.decodeJwt(token).jti;
    const r = cli(['token', 'revoke', '--jti', jti]);
    assert.equal(r.code, 0, r.err);
    await stopProcess(gw.proc);
    gw = await startGateway(configText, dir);
    const res = await mcp(token, 'tools/list');
    assert.equal(res.status, 401, res.text);
    assert.equal(res.json.error.data.reason, 'token_revoked');
    const list = cli(['token', 'list', '--tenant', 'acme', '--task', 't-restart']);
    assert.match(list.out, new RegExp(`${jti}.*revoked`));
  });

  test('an HTTP upstream gets the calling tenant\'s credential only, never the client token', async () => {
    for (const [agent, tenant] of [[A, 'acme'], [G, 'globex']]) {
      const token = await taskToken(agent, { task: `t-hdr-${tenant}`, scope: 'hdr__headers' });
      const res = await mcp(token, 'tools/call', { name: 'hdr__headers', arguments: {} });
      assert.equal(res.status, 200, res.text);
      const seen = JSON.parse(toolText(res));
      assert.equal(seen['x-api-key'], `Key ${SECRETS[tenant].api_key}`);
      assert.equal(seen.authorization, undefined, 'no Authorization header upstream');
      const all = JSON.stringify(seen);
      assert.ok(!all.includes(token.split('.')[1]), 'the task token is not forwarded');
      for (const [other, values] of Object.entries(SECRETS)) {
        if (other !== tenant) assert.ok(!all.includes(values.api_key), `${tenant} never sees ${other}'s key`);
      }
    }
    // With a plain SVID (no task token) the same holds.
    const direct = await mcp(await svid(G), 'tools/call', { name: 'hdr__whoami', arguments: {} });
    assert.equal(toolText(direct), `Key ${SECRETS.globex.api_key}`);
    // A tenant without a credential is refused, never given another tenant's or a default one.
    const missing = await mcp(await svid(I), 'tools/call', { name: 'hdr__whoami', arguments: {} });
    assert.equal(missing.status, 200, missing.text);
    assert.equal(missing.json.error.data.reason, 'credential_missing');
  });

  test('a stdio upstream runs one process per tenant with only that tenant\'s secrets', async () => {
    const seen = {};
    for (const [agent, tenant] of [[A, 'acme'], [G, 'globex']]) {
      const res = await mcp(await svid(agent), 'tools/call', { name: 'local__get-env', arguments: {} });
      assert.equal(res.status, 200, res.text);
      assert.ok(toolText(res), res.text);
      const env = JSON.parse(toolText(res));
      assert.equal(env.API_TOKEN, SECRETS[tenant].api_token);
      seen[tenant] = env;
    }
    assert.notEqual(seen.acme.API_TOKEN, seen.globex.API_TOKEN);
    const procs = stdioProcesses();
    assert.equal(procs.length, 2, JSON.stringify(procs.map((p) => p.pid)));
    assert.notEqual(procs[0].pid, procs[1].pid);
    const byTenant = {};
    for (const p of procs) {
      const token = p.env.find((e) => e.startsWith('API_TOKEN='))?.slice('API_TOKEN='.length);
      const tenant = Object.keys(SECRETS).find((t) => SECRETS[t].api_token === token);
      assert.ok(tenant, `process ${p.pid} holds a known tenant's token`);
      byTenant[tenant] = p;
      for (const [other, values] of Object.entries(SECRETS)) {
        if (other !== tenant) assert.ok(!p.env.join('\n').includes(values.api_token), `${tenant}'s process lacks ${other}'s secret`);
      }
    }
    assert.deepEqual(Object.keys(byTenant).sort(), ['acme', 'globex']);
    const missing = await mcp(await svid(I), 'tools/call', { name: 'local__echo', arguments: { message: 'x' } });
    assert.equal(missing.json.error.data.reason, 'credential_missing', missing.text);
    assert.equal(stdioProcesses().length, 2, 'no process was started for a tenant without its secret');
  });

  test('no token or secret value in the gateway log or the audit log', () => {
    const log = gw.proc.output;
    for (const values of Object.values(SECRETS)) for (const v of Object.values(values)) {
      assert.ok(!log.includes(v), 'secret in the log');
    }
    assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\.eyJ/.test(log), 'a JWT in the log');
    const auditDir = join(dir, 'var', 'audit');
    for (const file of readdirSync(auditDir)) {
      const bytes = readFileSync(join(auditDir, file));
      for (const values of Object.values(SECRETS)) for (const v of Object.values(values)) {
        assert.ok(!bytes.includes(Buffer.from(v)), `secret in ${file}`);
      }
      assert.ok(!/eyJ[A-Za-z0-9_-]{10,}\.eyJ/.test(bytes.toString('latin1')), `a JWT in ${file}`);
    }
    const verify = spawnSync(BULKHEAD_BIN, ['audit', 'verify', auditDir, '--allow-unsigned-tail'], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  });
});
