// mTLS workload identity through the real gateway: openssl-made CAs and X.509-SVIDs with URI SANs. A listener
// with TLS asks for client certificates chained to the trust domains' bundles; the SPIFFE ID comes from the
// single URI SAN and must belong to the trust domain whose bundle the chain verifies against.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEWAY, NODE, gatewayConfig, serverEverythingEntry, startGateway, stopProcess } from './harness.mjs';
import { httpsPost, initializeBody, makeCa, makeLeaf, mintSvid, signingKey, writeJwks } from './identity_support.mjs';

let dir;
let gw;
let serverCa;
let certs;
let jwtKey;

before(async () => {
  if (!GATEWAY) return;
  dir = mkdtempSync(join(tmpdir(), 'bulkhead-mtls-'));
  serverCa = makeCa(dir, 'server');
  const acmeCa = makeCa(dir, 'acme');
  const globexCa = makeCa(dir, 'globex');
  const evilCa = makeCa(dir, 'evil');
  const serverCert = makeLeaf(dir, 'gateway', serverCa, 'IP:127.0.0.1,DNS:localhost', { usage: 'serverAuth' });
  certs = {
    good: makeLeaf(dir, 'support', acmeCa, 'URI:spiffe://acme.test/agent/support'),
    twoSans: makeLeaf(dir, 'two', acmeCa, 'URI:spiffe://acme.test/agent/support,URI:spiffe://acme.test/agent/other'),
    noUri: makeLeaf(dir, 'nouri', acmeCa, 'DNS:support.acme.test'),
    crossDomain: makeLeaf(dir, 'cross', acmeCa, 'URI:spiffe://globex.test/agent/support'),
    wrongCa: makeLeaf(dir, 'evil', evilCa, 'URI:spiffe://acme.test/agent/support'),
    globex: makeLeaf(dir, 'globex', globexCa, 'URI:spiffe://globex.test/agent/support'),
  };
  jwtKey = await signingKey(dir, 'acme', 'ES256');
  writeJwks(join(dir, 'acme.jwks.json'), [jwtKey]);
  const auth = [
    '[auth]', '',
    '[[trust_domain]]', 'name = "acme.test"', `bundle_file = "${acmeCa.cert}"`, 'jwks_file = "acme.jwks.json"', '',
    '[[trust_domain]]', 'name = "globex.test"', `bundle_file = "${globexCa.cert}"`, '',
    '[[tenant]]', 'id = "acme"', 'agents = ["spiffe://acme.test/agent/support"]', '',
    '[[tenant]]', 'id = "globex"', 'agents = ["spiffe://globex.test/agent/support"]', '',
  ].join('\n');
  const config = gatewayConfig({
    upstreams: [{ name: 'local', transport: 'stdio', command: NODE, args: [serverEverythingEntry, 'stdio'] }],
    server: `tls_cert_file = "${serverCert.certFile}"\ntls_key_file = "${serverCert.keyFile}"`,
    auth,
  });
  gw = await startGateway(config, dir);
});

after(async () => {
  if (gw) await stopProcess(gw.proc);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const withCert = (c) => ({ ca: serverCa.pem, cert: c.cert, key: c.key });

test('an X.509-SVID chained to its trust domain authenticates; the tenant comes from the binding', { skip: !GATEWAY }, async () => {
  assert.match(gw.url, /^https:/);
  const res = await httpsPost(gw.url, initializeBody(), withCert(certs.good));
  assert.equal(res.status, 200, res.text);
  assert.ok(res.headers['mcp-session-id']);
  const globex = await httpsPost(gw.url, initializeBody(), withCert(certs.globex));
  assert.equal(globex.status, 200, globex.text);
  const refused = await httpsPost(gw.url, initializeBody(), { ...withCert(certs.good), headers: { 'bulkhead-tenant': 'globex' } });
  assert.equal(refused.status, 403);
  assert.equal(refused.json.error.data.reason, 'tenant_not_bound');
  assert.match(gw.proc.output, /principal=spiffe:\/\/acme\.test\/agent\/support/);
});

test('bad client certificates are refused', { skip: !GATEWAY }, async () => {
  for (const [name, cert, message] of [
    ['two URI SANs', certs.twoSans, /exactly one URI SAN, it has 2/],
    ['no URI SAN', certs.noUri, /exactly one URI SAN, it has 0/],
    ['SPIFFE ID of another trust domain than the issuing CA', certs.crossDomain, /does not chain to the trust domain bundle/],
  ]) {
    const res = await httpsPost(gw.url, initializeBody(), withCert(cert));
    assert.equal(res.status, 401, `${name}: ${res.text}`);
    assert.equal(res.json.error.data.reason, 'token_invalid', name);
    assert.match(res.json.error.message, message, name);
  }
  // A certificate from a CA no trust domain knows does not complete the TLS handshake.
  await assert.rejects(httpsPost(gw.url, initializeBody(), withCert(certs.wrongCa)));
  // No certificate and no token: 401 unauthenticated with the resource-metadata challenge.
  const anonymous = await httpsPost(gw.url, initializeBody(), { ca: serverCa.pem });
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.json.error.data.reason, 'unauthenticated');
  assert.match(anonymous.headers['www-authenticate'], /^Bearer resource_metadata="https:\/\/127\.0\.0\.1:\d+\//);
});

test('a bearer JWT-SVID over TLS also works, with or without a client certificate', { skip: !GATEWAY }, async () => {
  const token = await mintSvid(jwtKey, { sub: 'spiffe://acme.test/agent/support' });
  const plain = await httpsPost(gw.url, initializeBody(), { ca: serverCa.pem, headers: { authorization: `Bearer ${token}` } });
  assert.equal(plain.status, 200, plain.text);
  // The bearer token is the credential when both are presented (a globex certificate does not change the tenant).
  const both = await httpsPost(gw.url, initializeBody(), { ...withCert(certs.globex), headers: { authorization: `Bearer ${token}` } });
  assert.equal(both.status, 200, both.text);
});
