// Workload identity through the real gateway: JWT-SVIDs minted by `jose` with openssl-made keys (every accepted
// algorithm, and a negative matrix with the expected reason for each bad token), tenant binding, session binding
// (hijack and tenant switch), JWKS from a URL with rotation, RFC 9728 metadata, metrics and logs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GATEWAY, NODE, gatewayConfig, rawPost, serverEverythingEntry, sleep, startGateway, stopProcess,
} from './harness.mjs';
import {
  AUDIENCE, b64url, initializeBody, mintSvid, signingKey, startJwksServer, writeJwks,
} from './identity_support.mjs';
import { jose } from '../peers/index.mjs';

const SUPPORT = 'spiffe://acme.test/agent/support';
const TEAM = 'spiffe://acme.test/team/billing';
const MULTI = 'spiffe://acme.test/agent/multi';
const GLOBEX = 'spiffe://globex.test/agent/support';

let dir;
let gw;
let jwks;
const keys = {};      // acme.test keys by alg
let foreign;          // an EdDSA key nobody trusts
let globexKeys;       // [current, next] for rotation

async function post(body, { token, headers = {} } = {}) {
  const h = { ...headers };
  if (token !== undefined) h.authorization = `Bearer ${token}`;
  return rawPost(gw.url, body, { headers: h });
}

async function initialize(token, headers = {}) {
  const res = await post(initializeBody(), { token, headers });
  return { res, session: res.headers.get('mcp-session-id') };
}

before(async () => {
  if (!GATEWAY) return;
  dir = mkdtempSync(join(tmpdir(), 'bulkhead-identity-'));
  for (const alg of ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA']) keys[alg] = await signingKey(dir, 'acme', alg);
  foreign = await signingKey(dir, 'foreign', 'EdDSA', keys.EdDSA.kid);  // same kid, different key
  writeJwks(join(dir, 'acme.jwks.json'), Object.values(keys));
  globexKeys = [await signingKey(dir, 'globex1', 'ES256'), await signingKey(dir, 'globex2', 'EdDSA')];
  jwks = await startJwksServer({ keys: [globexKeys[0].jwk] });
  const auth = [
    '[auth]', `audience = "${AUDIENCE}"`, 'clock_skew_seconds = 30', '',
    '[[trust_domain]]', 'name = "acme.test"', 'jwks_file = "acme.jwks.json"', '',
    '[[trust_domain]]', 'name = "globex.test"', `jwks_url = "${jwks.url}"`, 'jwks_refresh_seconds = 1', '',
    '[[tenant]]', 'id = "acme"', `agents = ["${SUPPORT}", "spiffe://acme.test/team/*", "${MULTI}"]`, '',
    '[[tenant]]', 'id = "globex"', `agents = ["${GLOBEX}", "${MULTI}"]`, '',
  ].join('\n');
  const config = gatewayConfig({
    upstreams: [{ name: 'local', transport: 'stdio', command: NODE, args: [serverEverythingEntry, 'stdio'] }],
    auth,
  });
  gw = await startGateway(config, dir);
  // Wait until the URL-based trust domain has its keys.
  for (let i = 0; i < 50 && jwks.hits() === 0; i++) await sleep(100);
});

after(async () => {
  if (gw) await stopProcess(gw.proc);
  if (jwks) await jwks.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('every accepted algorithm authenticates (jose-minted JWT-SVIDs)', { skip: !GATEWAY }, async () => {
  for (const alg of Object.keys(keys)) {
    const token = await mintSvid(keys[alg], { sub: SUPPORT });
    const { res, session } = await initialize(token);
    assert.equal(res.status, 200, `${alg}: ${res.text}`);
    assert.ok(session, `${alg}: session id`);
    const list = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
      { token, headers: { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' } });
    assert.equal(list.status, 200, list.text);
    assert.ok(list.json.result.tools.some((t) => t.name === 'local__echo'), `${alg}: tools listed`);
  }
});

test('negative matrix: each bad credential is refused with its reason', { skip: !GATEWAY }, async () => {
  const now = Math.floor(Date.now() / 1000);
  const good = await mintSvid(keys.EdDSA, { sub: SUPPORT });
  const [h, p, s] = good.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  const flip = (text, i) => text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);
  const hs256 = async () => {
    // "HS256 with the public key as the secret": the classic algorithm-confusion attack.
    const secret = new TextEncoder().encode(JSON.stringify(keys.EdDSA.jwk));
    return new jose.SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: keys.EdDSA.kid }).sign(secret);
  };
  const cases = [
    ['no Authorization header', undefined, 'unauthenticated'],
    ['Basic scheme', { raw: 'Basic dXNlcjpwYXNz' }, 'unauthenticated'],
    ['empty bearer', { raw: 'Bearer ' }, 'unauthenticated'],
    ['expired', await mintSvid(keys.ES256, { sub: SUPPORT, claims: { exp: now - 120, iat: now - 400 } }), 'token_expired'],
    ['nbf in the future', await mintSvid(keys.ES256, { sub: SUPPORT, claims: { nbf: now + 600 } }), 'token_invalid'],
    ['iat in the future', await mintSvid(keys.ES256, { sub: SUPPORT, claims: { iat: now + 600, exp: now + 900 } }), 'token_invalid'],
    ['wrong aud', await mintSvid(keys.ES256, { sub: SUPPORT, claims: { aud: ['someone-else'] } }), 'token_invalid'],
    ['no aud', await mintSvid(keys.ES256, { sub: SUPPORT, claims: { aud: undefined } }), 'token_invalid'],
    ['missing exp', await mintSvid(keys.ES256, { sub: SUPPORT, claims: { exp: undefined } }), 'token_invalid'],
    ['exp not a number', await mintSvid(keys.ES256, { sub: SUPPORT, claims: { exp: 'soon' } }), 'token_invalid'],
    ['foreign trust domain', await mintSvid(keys.ES256, { sub: 'spiffe://evil.test/agent' }), 'token_invalid'],
    ['other trust domain signed with acme key', await mintSvid(keys.ES256, { sub: GLOBEX }), 'token_invalid'],
    ['sub not a SPIFFE ID', await mintSvid(keys.ES256, { sub: 'support-agent' }), 'token_invalid'],
    ['sub with a trailing slash', await mintSvid(keys.ES256, { sub: 'spiffe://acme.test/agent/' }), 'token_invalid'],
    ['alg none', `${b64url({ alg: 'none', kid: keys.EdDSA.kid })}.${p}.`, 'token_invalid'],
    ['alg none with a signature', `${b64url({ alg: 'none', kid: keys.EdDSA.kid })}.${p}.${s}`, 'token_invalid'],
    ['HS256 with the public key as secret', await hs256(), 'token_invalid'],
    ['tampered payload', `${h}.${b64url({ ...payload, sub: MULTI })}.${s}`, 'token_invalid'],
    ['tampered signature', `${h}.${p}.${flip(s, 10)}`, 'token_invalid'],
    ['signature from an untrusted key with a trusted kid', await mintSvid(foreign, { sub: SUPPORT }), 'token_invalid'],
    ['unknown kid', await mintSvid(keys.EdDSA, { sub: SUPPORT, header: { kid: 'nope' } }), 'token_invalid'],
    ['no kid', await mintSvid(keys.EdDSA, { sub: SUPPORT, header: { kid: undefined } }), 'token_invalid'],
    ['RS256 key used as PS256', await mintSvid({ ...keys.RS256, alg: 'PS256', privateKey: await jose.importPKCS8(keys.RS256.pem, 'PS256') },
      { sub: SUPPORT }), 'token_invalid'],
    ['crit header', await mintSvid(keys.ES256, { sub: SUPPORT, header: { crit: ['b64'], b64: true } }), 'token_invalid'],
    ['wrong typ', await mintSvid(keys.ES256, { sub: SUPPORT, header: { typ: 'at+jwt' } }), 'token_invalid'],
    ['jku header', await mintSvid(keys.ES256, { sub: SUPPORT, header: { jku: 'https://evil.test/keys' } }), 'token_invalid'],
    ['embedded jwk header', await mintSvid(keys.ES256, { sub: SUPPORT, header: { jwk: keys.ES256.jwk } }), 'token_invalid'],
    ['oversized token', await mintSvid(keys.ES256, { sub: SUPPORT, claims: { pad: 'x'.repeat(9000) } }), 'token_invalid'],
    ['non-JSON header', `${b64url('not json')}.${p}.${s}`, 'token_invalid'],
    ['header is a JSON array', `${b64url([1, 2])}.${p}.${s}`, 'token_invalid'],
    ['duplicate claim names', `${h}.${b64url(`{"sub":"${SUPPORT}","sub":"${MULTI}"}`)}.${s}`, 'token_invalid'],
    ['two segments', `${h}.${p}`, 'token_invalid'],
    ['padded base64', `${h}.${p}=.${s}`, 'token_invalid'],
    ['not base64url', `${h}.${p}.${s}!`, 'token_invalid'],
  ];
  assert.ok(cases.length >= 25);
  const tokens = [];
  for (const [name, token, reason] of cases) {
    const headers = {};
    if (token && typeof token === 'object') headers.authorization = token.raw;
    else if (token !== undefined) { headers.authorization = `Bearer ${token}`; tokens.push(token); }
    const res = await rawPost(gw.url, initializeBody(), { headers });
    assert.equal(res.status, 401, `${name}: HTTP ${res.status} ${res.text}`);
    assert.equal(res.json?.error?.data?.reason, reason, `${name}: ${res.text}`);
    assert.equal(res.headers.get('mcp-session-id'), null, `${name}: no session`);
    const challenge = res.headers.get('www-authenticate') || '';
    assert.match(challenge, /^Bearer resource_metadata="http:\/\/127\.0\.0\.1:\d+\/\.well-known\/oauth-protected-resource\/mcp"/, name);
    if (reason !== 'unauthenticated') assert.match(challenge, /error="invalid_token"/, name);
  }
  // Logs name the reason, never the token.
  for (const token of tokens) {
    const sig = token.split('.')[2];
    if (sig && sig.length > 16) assert.ok(!gw.proc.output.includes(sig), 'a token signature appears in the gateway log');
  }
  assert.match(gw.proc.output, /authentication refused reason=token_expired/);
});

test('tenant binding: implied, named, refused', { skip: !GATEWAY }, async () => {
  const support = await mintSvid(keys.ES256, { sub: SUPPORT });
  const multi = await mintSvid(keys.ES256, { sub: MULTI });
  const team = await mintSvid(keys.ES256, { sub: TEAM });
  const teamRoot = await mintSvid(keys.ES256, { sub: 'spiffe://acme.test/team' });
  const globex = await mintSvid(globexKeys[0], { sub: GLOBEX });
  assert.equal((await initialize(support)).res.status, 200, 'one bound tenant is implied');
  assert.equal((await initialize(support, { 'bulkhead-tenant': 'acme' })).res.status, 200);
  assert.equal((await initialize(team)).res.status, 200, 'prefix pattern');
  assert.equal((await initialize(globex)).res.status, 200, 'trust domain with keys from a JWKS URL');
  for (const [name, token, headers] of [
    ['bound to another tenant', support, { 'bulkhead-tenant': 'globex' }],
    ['unknown tenant', support, { 'bulkhead-tenant': 'initech' }],
    ['several tenants, none named', multi, {}],
    ['prefix itself is not below the prefix', teamRoot, {}],
    ['globex agent naming acme', globex, { 'bulkhead-tenant': 'acme' }],
  ]) {
    const { res } = await initialize(token, headers);
    assert.equal(res.status, 403, `${name}: ${res.text}`);
    assert.equal(res.json.error.data.reason, 'tenant_not_bound', name);
  }
  assert.equal((await initialize(multi, { 'bulkhead-tenant': 'globex' })).res.status, 200);
  const bad = await initialize(support, { 'bulkhead-tenant': 'ac me' });
  assert.equal(bad.res.status, 400);
});

test('session binding: another principal gets 404, a tenant switch gets 403, nothing leaks', { skip: !GATEWAY }, async () => {
  const a = await mintSvid(keys.ES256, { sub: MULTI });
  const b = await mintSvid(keys.EdDSA, { sub: TEAM });
  const { res, session } = await initialize(a, { 'bulkhead-tenant': 'acme' });
  assert.equal(res.status, 200);
  const hdr = { 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
  const call = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'local__echo', arguments: { message: 'secret-of-a' } } };
  const own = await post(call, { token: a, headers: { ...hdr, 'bulkhead-tenant': 'acme' } });
  assert.equal(own.status, 200, own.text);
  assert.match(own.text, /secret-of-a/);

  // Principal B (same tenant) presents A's session id: indistinguishable from an unknown session.
  const hijack = await post(call, { token: b, headers: hdr });
  const unknown = await post(call, { token: b, headers: { ...hdr, 'mcp-session-id': 'f'.repeat(32) } });
  assert.equal(hijack.status, 404);
  assert.equal(hijack.json.error.data.reason, 'session_not_found');
  assert.deepEqual({ ...hijack.json, id: null }, { ...unknown.json, id: null }, 'same answer as an unknown session');
  assert.ok(!hijack.text.includes('secret-of-a'));
  for (const method of ['GET', 'DELETE']) {
    const r = await fetch(gw.url, { method, headers: { ...hdr, authorization: `Bearer ${b}`, accept: 'text/event-stream' } });
    assert.equal(r.status, 404, `${method} by another principal`);
  }
  // A switches tenant mid-session (it is bound to both): refused, the session knows its tenant.
  const switched = await post(call, { token: a, headers: { ...hdr, 'bulkhead-tenant': 'globex' } });
  assert.equal(switched.status, 403);
  assert.equal(switched.json.error.data.reason, 'session_identity_mismatch');
  // Another negotiated revision on the same session is refused too.
  const other = await post(call, { token: a, headers: { ...hdr, 'bulkhead-tenant': 'acme', 'mcp-protocol-version': '2025-06-18' } });
  assert.equal(other.status, 400);
  // The session survived all of that for its owner.
  const again = await post({ ...call, id: 8 }, { token: a, headers: { ...hdr, 'bulkhead-tenant': 'acme' } });
  assert.equal(again.status, 200);
  assert.match(again.text, /secret-of-a/);
  assert.match(gw.proc.output, /session presented by another principal: reason=session_identity_mismatch/);
});

test('JWKS from a URL: rotation is picked up, the old key stops working', { skip: !GATEWAY }, async () => {
  const oldToken = await mintSvid(globexKeys[0], { sub: GLOBEX });
  const newToken = await mintSvid(globexKeys[1], { sub: GLOBEX });
  assert.equal((await initialize(oldToken)).res.status, 200);
  assert.equal((await initialize(newToken)).res.json.error.data.reason, 'token_invalid');
  jwks.set({ keys: [globexKeys[1].jwk] });
  let status = 0;
  for (let i = 0; i < 50 && status !== 200; i++) {
    await sleep(100);
    status = (await initialize(newToken)).res.status;
  }
  assert.equal(status, 200, 'the rotated key is accepted within the refresh interval');
  const stale = await initialize(oldToken);
  assert.equal(stale.res.status, 401, 'a cached verification does not outlive the key');
  assert.equal(stale.res.json.error.data.reason, 'token_invalid');
});

test('RFC 9728 metadata, metrics by tenant', { skip: !GATEWAY }, async () => {
  for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
    const res = await fetch(gw.base + path);
    assert.equal(res.status, 200);
    const doc = await res.json();
    assert.equal(doc.resource, gw.base + path.replace('/.well-known/oauth-protected-resource', ''));
    assert.deepEqual(doc.bearer_methods_supported, ['header']);
  }
  const metrics = await (await fetch(`${gw.base}/metrics`)).text();
  assert.match(metrics, /bulkhead_requests_total\{tenant="acme",method="initialize",outcome="ok"\} \d+/);
  assert.match(metrics, /bulkhead_requests_total\{tenant="globex",method="initialize",outcome="ok"\} \d+/);
  assert.match(metrics, /bulkhead_requests_total\{tenant="-",method="transport",outcome="token_invalid"\} \d+/);
  assert.ok(!metrics.includes('spiffe://'), 'principals are not metric labels');
});
