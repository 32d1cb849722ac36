// Response and egress DLP, and task taint, through the real gateway (issue #10). A deliberately leaky upstream
// (test/peers/leaky-server) returns every tenant's records: acme's calls that would see globex's data are withheld
// (dlp_blocked) whether the marker travels plainly, \u-escaped, split over SSE events, base64 in a blob or an image,
// in an error message or in a notification; a credential is masked; acme writing globex's marker upstream is
// refused; a three-agent chain may post to an egress tool only when its task did not read restricted data; and
// ordinary answers of the leaky server and of server-everything pass untouched. Hits are audited by rule id, never
// the matched text.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GATEWAY, NODE, canConnect, freePort, modernRequest, rawPost, serverEverythingEntry, sleep, startGateway, startProcess,
  stopProcess,
} from './harness.mjs';
import { AUDIENCE, mintSvid, signingKey, writeJwks } from './identity_support.mjs';
import { EXCHANGE, JWT, auditRecords, exchange as exchangeAt, mcp as mcpAt, oauth as oauthAt, reasonOf, toolText } from './control_support.mjs';
import { peersDir } from '../peers/index.mjs';

const ACME = 'spiffe://acme.test/agent/support';
const A = 'spiffe://acme.test/agent/a';
const B = 'spiffe://acme.test/agent/b';
const C = 'spiffe://acme.test/agent/c';
const GLOBEX = 'spiffe://globex.test/agent/support';
const TOKEN = 'ghp_Zq8RkT2mVw9LpX4sNc7YbE1hJd6FgA3uK0oi';

const POLICIES = `
@id("tenants-use-crm")
permit(principal, action, resource in Upstream::"crm");

@id("tenants-use-local")
permit(principal, action, resource in Upstream::"local");

@id("no-egress-after-restricted")
forbid (principal, action, resource)
when { resource.labels.contains("egress") && context.task_labels.contains("restricted") };
`;

let dir;
let gw;
let leaky;
let keys;

const svid = (sub) => mintSvid(keys[new URL(sub).host], { sub, claims: { exp: Math.floor(Date.now() / 1000) + 3600 } });
const oauth = (path, fields, opts) => oauthAt(gw, path, fields, opts);
const mcp = (token, method, params) => mcpAt(gw, token, method, params);
const call = async (who, name, args = {}) => mcp(await svid(who), 'tools/call', { name, arguments: args });
const everything = (res) => JSON.stringify(res.messages ?? res.json ?? res.text);

async function taskToken(caller, task) {
  const res = await exchangeAt(gw, await svid(caller), { task, scope: 'crm__*' });
  assert.equal(res.status, 200, res.text);
  return res.json.access_token;
}

async function delegate(caller, parent) {
  const actor = await svid(caller);
  const res = await oauth('/oauth/token', {
    grant_type: EXCHANGE, subject_token_type: JWT, subject_token: parent, actor_token: actor, actor_token_type: JWT,
  }, { bearer: actor });
  assert.equal(res.status, 200, res.text);
  return res.json.access_token;
}

function assertWithheld(res, label) {
  assert.equal(res.status, 200, `${label}: HTTP ${res.status} ${res.text}`);
  assert.equal(reasonOf(res), 'dlp_blocked', `${label}: ${res.text}`);
  const all = everything(res);
  for (const leak of ['globex-0', 'Grace', 'GLOBEX-CANARY', 'bex-042']) assert.ok(!all.includes(leak), `${label} leaked ${leak}: ${all}`);
  // The refusal does not say whose data it was (that would name another tenant).
  assert.ok(!all.includes('marker:globex'), all);
}

describe('response and egress DLP, task taint', { skip: !GATEWAY }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulkhead-dlp-'));
    keys = {};
    for (const domain of ['acme.test', 'globex.test']) {
      keys[domain] = await signingKey(dir, domain, 'EdDSA');
      writeJwks(join(dir, `${domain}.jwks.json`), [keys[domain]]);
    }
    mkdirSync(join(dir, 'policies'));
    writeFileSync(join(dir, 'policies', 'main.cedar'), POLICIES);
    const port = await freePort();
    leaky = startProcess('leaky-server', NODE, [join(peersDir, 'leaky-server', 'server.mjs'), String(port)]);
    for (let i = 0; i < 100 && !(await canConnect(port)); i++) await sleep(50);
    const config = [
      '[server]', 'listen = "127.0.0.1:0"', '',
      '[auth]', `audience = "${AUDIENCE}"`, '',
      ...['acme.test', 'globex.test'].flatMap((d) => ['[[trust_domain]]', `name = "${d}"`, `jwks_file = "${d}.jwks.json"`, '']),
      '[[tenant]]', 'id = "acme"', 'agents = ["spiffe://acme.test/agent/*"]', 'canaries = ["ACME-CANARY-7f3a"]',
      "markers = ['acme-\\d{3}']", '',
      '[[tenant]]', 'id = "globex"', 'agents = ["spiffe://globex.test/agent/*"]', 'canaries = ["GLOBEX-CANARY-19c2"]',
      "markers = ['globex-\\d{3}']", '',
      '[dlp]', 'on_other_tenant_marker = "block"', 'on_secret = "redact"', '',
      '[policy]', 'dir = "policies"', '',
      '[tokens]', '',
      '[audit]', 'dir = "var/audit"', '',
      '[[upstream]]', 'name = "crm"', 'transport = "http"', `url = "http://127.0.0.1:${port}/mcp"`, 'classification = "internal"',
      '[upstream.tools.hr_read]', 'classification = "restricted"', 'labels = ["pii"]',
      '[upstream.tools.post]', 'classification = "internal"', 'labels = ["egress"]',
      '[upstream.tools.update]', 'classification = "internal"', 'labels = ["egress"]', '',
      '[[upstream]]', 'name = "local"', 'transport = "stdio"', `command = ${JSON.stringify(NODE)}`,
      `args = [${JSON.stringify(serverEverythingEntry)}, "stdio"]`, '',
    ].join('\n');
    gw = await startGateway(config, dir);
  });

  after(async () => {
    if (gw && process.env.E2E_LOGS === '1') process.stderr.write(`--- bulkhead ---\n${gw.proc.output.slice(-8000)}\n`);
    if (gw) await stopProcess(gw.proc);
    if (leaky) await stopProcess(leaky);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("acme's call to a tool returning every tenant's records is withheld; its own records pass", async () => {
    assertWithheld(await call(ACME, 'crm__all_records'), 'all_records');
    const own = await call(ACME, 'crm__records', { tenant: 'acme' });
    assert.equal(own.json.error, undefined, own.text);
    assert.match(toolText(own), /acme-001/);
    // The same for globex: acme's data is withheld from it, its own passes.
    const globexAll = await call(GLOBEX, 'crm__all_records');
    assert.equal(reasonOf(globexAll), 'dlp_blocked');
    assert.ok(!everything(globexAll).includes('acme-001'));
    assert.match(toolText(await call(GLOBEX, 'crm__records', { tenant: 'globex' })), /globex-042/);
  });

  test('markers are found \\u-escaped, split over SSE events, base64-encoded, in errors and notifications', async () => {
    assertWithheld(await call(ACME, 'crm__escaped'), 'escaped');
    const split = await call(ACME, 'crm__split');
    assertWithheld(split, 'split');
    assert.ok(split.contentType.includes('text/event-stream'), 'the split record arrives as SSE events');
    assertWithheld(await call(ACME, 'crm__notify'), 'notify');
    assertWithheld(await call(ACME, 'crm__image'), 'image');
    assertWithheld(await call(ACME, 'crm__fail'), 'fail');
    const token = await svid(ACME);
    assert.ok((await mcp(token, 'resources/list', {})).json.result.resources.length >= 2);
    assertWithheld(await mcp(token, 'resources/read', { uri: 'leaky://records/blob' }), 'blob');
    assertWithheld(await mcp(token, 'resources/read', { uri: 'leaky://records/all' }), 'resource text');
    assertWithheld(await mcp(token, 'prompts/get', { name: 'crm__summary' }), 'prompt');
  });

  test('2026-07-28 clients (bridged to the 2025-11-25 upstream) get the same protection', async () => {
    const token = await svid(ACME);
    const post = async (id, name, args) => {
      const { body, headers } = modernRequest(id, 'tools/call', { name, arguments: args }, { name });
      return rawPost(gw.url, body, { headers: { ...headers, authorization: `Bearer ${token}` }, expectId: id });
    };
    assertWithheld(await post(71, 'crm__all_records', {}), 'modern all_records');
    assertWithheld(await post(72, 'crm__split', {}), 'modern split');
    const own = await post(73, 'crm__records', { tenant: 'acme' });
    assert.equal(own.json.error, undefined, own.text);
    assert.match(toolText(own), /acme-001/);
    const egress = await post(74, 'crm__update', { record: 'globex-042' });
    assert.equal(reasonOf(egress), 'dlp_blocked', egress.text);
  });

  test('a credential in a response is masked, the rest of the answer kept', async () => {
    const res = await call(ACME, 'crm__secret');
    assert.equal(res.json.error, undefined, res.text);
    const text = toolText(res);
    assert.ok(!text.includes(TOKEN), text);
    assert.match(text, /deploy key: \[redacted:BH001\] \(rotate monthly\)/);
  });

  test("egress: acme writing globex's marker upstream is refused; its own data is not", async () => {
    const refused = await call(ACME, 'crm__update', { record: 'copy of globex-042 Grace Gold' });
    assert.equal(reasonOf(refused), 'dlp_blocked', refused.text);
    const ok = await call(ACME, 'crm__update', { record: 'acme-001 renewal done' });
    assert.equal(ok.json.error, undefined, ok.text);
    assert.match(toolText(ok), /stored 21 characters/);
  });

  test('no false positives on ordinary answers (leaky server, server-everything)', async () => {
    const token = await svid(ACME);
    const plain = await mcp(token, 'tools/call', { name: 'crm__ordinary', arguments: {} });
    assert.equal(plain.json.error, undefined, plain.text);
    const calls = [
      ['local__echo', { message: 'hello world' }], ['local__get-sum', { a: 2, b: 3 }], ['local__get-tiny-image', {}],
      ['local__get-annotated-message', { messageType: 'success', includeImage: true }],
      ['local__get-resource-links', { count: 3 }], ['local__get-structured-content', { location: 'New York' }],
    ];
    for (const [name, args] of calls) {
      const res = await mcp(token, 'tools/call', { name, arguments: args });
      assert.notEqual(reasonOf(res), 'dlp_blocked', `${name}: ${res.text}`);
      assert.ok(!res.text.includes('[redacted:'), `${name}: ${res.text}`);
    }
    const listed = await mcp(token, 'resources/list', {});
    const uris = (listed.json.result?.resources ?? []).filter((r) => r.uri.startsWith('demo://')).slice(0, 5).map((r) => r.uri);
    assert.ok(uris.length > 0, listed.text);
    for (const uri of uris) {
      const res = await mcp(token, 'resources/read', { uri });
      assert.notEqual(reasonOf(res), 'dlp_blocked', `${uri}: ${res.text}`);
    }
    const prompt = await mcp(token, 'prompts/get', { name: 'local__simple-prompt' });
    assert.notEqual(reasonOf(prompt), 'dlp_blocked', prompt.text);
  });

  test('three-agent handoff: posting to an egress tool is denied only after the task read restricted data', async () => {
    // Task 1: A reads restricted HR data, hands the task to B, B to C; C's post is refused by policy.
    const a1 = await taskToken(A, 'handoff-restricted');
    const read = await mcp(a1, 'tools/call', { name: 'crm__hr_read', arguments: {} });
    assert.equal(read.json.error, undefined, read.text);
    const c1 = await delegate(C, await delegate(B, a1));
    const denied = await mcp(c1, 'tools/call', { name: 'crm__post', arguments: { text: 'summary of band 7' } });
    assert.equal(reasonOf(denied), 'policy_denied', denied.text);
    assert.deepEqual(denied.json.error.data.policies, ['no-egress-after-restricted']);
    // Task 2: the same chain after an internal read only: allowed (the rule is not a blanket deny).
    const a2 = await taskToken(A, 'handoff-internal');
    const readOk = await mcp(a2, 'tools/call', { name: 'crm__records', arguments: { tenant: 'acme' } });
    assert.equal(readOk.json.error, undefined, readOk.text);
    const c2 = await delegate(C, await delegate(B, a2));
    const allowed = await mcp(c2, 'tools/call', { name: 'crm__post', arguments: { text: 'renewal summary' } });
    assert.equal(allowed.json.error, undefined, allowed.text);
    assert.match(toolText(allowed), /posted/);
  });

  test('the audit trail names the rules and the task labels, never the matched data', async () => {
    await sleep(200);
    const records = auditRecords(join(dir, 'var', 'audit'));
    const text = JSON.stringify(records);
    for (const leak of ['globex-042', 'Grace', TOKEN, 'GLOBEX-CANARY-19c2']) assert.ok(!text.includes(leak), `audit holds ${leak}`);
    const hits = records.flatMap((r) => r.detail?.dlp?.hits ?? []);
    assert.ok(hits.includes('response:marker:globex:0:block'), JSON.stringify(hits));
    assert.ok(hits.includes('response:BH001:redact'), JSON.stringify(hits));
    assert.ok(hits.includes('egress:marker:globex:0:block'), JSON.stringify(hits));
    assert.ok(hits.some((h) => h.startsWith('event:marker:globex')), JSON.stringify(hits));
    const blocked = records.filter((r) => r.reason === 'dlp_blocked');
    assert.ok(blocked.length >= 8, `${blocked.length} dlp_blocked records`);
    // The denied post: C's call, the chain C ← B ← A, and the task's labels on the record.
    const post = records.find((r) => r.tool === 'crm__post' && r.reason === 'policy_denied');
    assert.ok(post, 'denied post on record');
    assert.equal(post.task, 'handoff-restricted');
    assert.deepEqual(post.delegation, [C, B, A]);
    assert.ok(post.detail.task_labels.includes('restricted'), JSON.stringify(post.detail));
    assert.ok(post.detail.task_labels.includes('pii'), JSON.stringify(post.detail));
    const allowedPost = records.find((r) => r.tool === 'crm__post' && r.task === 'handoff-internal' && r.result);
    assert.ok(allowedPost, 'allowed post on record');
    assert.ok(!allowedPost.detail.task_labels.includes('restricted'));
  });
});
