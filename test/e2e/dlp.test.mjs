// Response and egress DLP, and task taint, through the real gateway (issue #10). A deliberately leaky upstream
// (test/peers/leaky-server) returns every tenant's records: acme's calls that would see globex's data are withheld
// (dlp_blocked) whether the marker travels plainly, \u-escaped, split over SSE events, base64 in a blob or an image,
// in an error message or in a notification, in a server→client request during a call (sampling, elicitation; also
// on the 2026-07-28 input_required bridge) or on the session's GET stream outside any call — while acme's own data
// passes and round-trips; a credential is masked; acme writing globex's marker upstream is refused (and audited,
// on the 2026-07-28 path too); a three-agent chain may post to an egress tool only when its task did not read
// restricted data; and ordinary answers of the leaky server and of server-everything pass untouched. Hits are
// audited by rule id, never the matched text.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GATEWAY, NODE, canConnect, connectV1, freePort, modernRequest, rawPost, serverEverythingEntry, sleep, startGateway,
  startProcess, stopProcess, typesV1,
} from './harness.mjs';
import { AUDIENCE, mintSvid, signingKey, writeJwks } from './identity_support.mjs';
import {
  EXCHANGE, JWT, auditRecords, exchange as exchangeAt, mcp as mcpAt, oauth as oauthAt, openSession, reasonOf, toolText,
} from './control_support.mjs';
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

// globex's records as the leaky server writes them; none may reach acme.
const GLOBEX_LEAKS = ['globex-0', 'Grace', 'Gus Green', 'GLOBEX-CANARY', 'bex-042'];
const assertClean = (text, label) => {
  for (const leak of GLOBEX_LEAKS) assert.ok(!text.includes(leak), `${label} leaked ${leak}: ${text}`);
};

// Waits (polling the bulkhead CLI) until an audit record satisfies `pred`; fails after `ms`.
async function auditRecord(pred, label, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = auditRecords(join(dir, 'var', 'audit')).find(pred);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no audit record: ${label}`);
    await sleep(50);
  }
}

// The client side of a session's GET stream (text/event-stream, read as it arrives): next(pred) resolves with the
// first message (JSON-RPC) that satisfies pred, in arrival order, or rejects after `ms`; seen holds every message.
async function getStream(session) {
  const ac = new AbortController();
  const res = await fetch(gw.url, { headers: { ...session.headers, accept: 'text/event-stream' }, signal: ac.signal });
  assert.equal(res.status, 200, 'GET stream opened');
  const seen = [];
  let waiter = null;
  let from = 0;
  const check = () => {
    if (!waiter) return;
    for (; from < seen.length; from++) {
      if (waiter.pred(seen[from])) {
        const w = waiter;
        waiter = null;
        from += 1;
        clearTimeout(w.timer);
        w.resolve(seen[from - 1]);
        return;
      }
    }
  };
  (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
          const data = block.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
          if (data.trim() === '') continue;
          seen.push(JSON.parse(data));
          check();
        }
      }
    } catch { /* aborted */ }
  })();
  return {
    seen,
    next: (pred, label, ms = 10000) => new Promise((resolve, reject) => {
      waiter = { pred, resolve, timer: setTimeout(() => { waiter = null; reject(new Error(`GET stream: no ${label}; saw ${JSON.stringify(seen)}`)); }, ms) };
      check();
    }),
    close: () => ac.abort(),
  };
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

  test("a server→client request carrying globex's records during acme's call is withheld; acme's own round-trips", async () => {
    // On the wire: the request never reaches acme, the call is answered dlp_blocked.
    for (const kind of ['sampling', 'elicitation']) {
      assertWithheld(await call(ACME, 'crm__ask', { kind, tenant: 'globex' }), `ask ${kind}`);
    }
    // An SDK client with sampling and elicitation: its handlers never see globex's records; with acme's own records
    // the request reaches it and its answer reaches the upstream (which returns it in the call's result).
    const seen = [];
    let reply = 'summary';
    const token = await svid(ACME);
    const { client } = await connectV1(gw.url, {
      headers: { authorization: `Bearer ${token}` },
      capabilities: { sampling: {}, elicitation: {} },
      setup: (c) => {
        c.setRequestHandler(typesV1.CreateMessageRequestSchema, async (req) => {
          seen.push(JSON.stringify(req.params));
          return { model: 'e2e-model', role: 'assistant', content: { type: 'text', text: `${reply} #${seen.length}` } };
        });
        c.setRequestHandler(typesV1.ElicitRequestSchema, async (req) => {
          seen.push(JSON.stringify(req.params));
          return { action: 'accept', content: { ok: true } };
        });
      },
    });
    try {
      for (const kind of ['sampling', 'elicitation']) {
        const refused = await client.callTool({ name: 'crm__ask', arguments: { kind, tenant: 'globex' } }).then(
          (r) => assert.fail(`${kind}: not refused: ${JSON.stringify(r)}`), (err) => err);
        assert.equal(refused.data?.reason, 'dlp_blocked', `${kind}: ${refused}`);
        assertClean(`${refused.message} ${JSON.stringify(refused.data)}`, kind);
      }
      assert.deepEqual(seen, [], 'no handler ran for a withheld request');
      const sampled = await client.callTool({ name: 'crm__ask', arguments: { kind: 'sampling', tenant: 'acme' } });
      assert.match(seen[0], /acme-001/);
      assert.match(sampled.content[0].text, /client answered: .*summary #1/);
      const elicited = await client.callTool({ name: 'crm__ask', arguments: { kind: 'elicitation', tenant: 'acme' } });
      assert.match(seen[1], /Alice Anders/);
      assert.match(elicited.content[0].text, /client answered: .*"action":"accept"/);
      // Egress: acme's answer carrying globex's marker never reaches the upstream (it gets dlp_blocked instead).
      reply = 'copied from globex-042';
      const copied = await client.callTool({ name: 'crm__ask', arguments: { kind: 'sampling', tenant: 'acme' } });
      assert.match(copied.content[0].text, /client answered: .*dlp_blocked/);
      assertClean(copied.content[0].text, 'answer');
      // The upstream was not left waiting: each withheld request was answered with dlp_blocked by the gateway.
      const answers = JSON.parse((await client.callTool({ name: 'crm__answers', arguments: {} })).content[0].text);
      const outcomes = answers.map((a) => `${a.method}:${a.outcome}`);
      for (const method of ['sampling/createMessage', 'elicitation/create']) {
        assert.ok(outcomes.filter((o) => o === `${method}:dlp_blocked`).length >= 2, outcomes.join(' '));
        assert.ok(outcomes.includes(`${method}:ok`), outcomes.join(' '));
      }
      assert.equal(outcomes.filter((o) => o === 'sampling/createMessage:dlp_blocked').length, 3, outcomes.join(' '));
    } finally {
      await client.close();
    }
    const record = await auditRecord((r) => r.tool === 'crm__ask' && r.reason === 'dlp_blocked' && r.detail?.dlp,
      'crm__ask withheld');
    assert.ok(record.detail.dlp.hits.includes('event:marker:globex:0:block'), JSON.stringify(record.detail));
    assert.equal(record.detail.dlp.blocked, true);
    const answer = await auditRecord((r) => r.detail?.event === 'dlp_blocked' && r.detail.direction === 'egress', 'refused answer');
    assert.deepEqual(answer.detail.hits, ['marker:globex:0'], JSON.stringify(answer));
    assert.equal(answer.detail.tenant, 'acme');
  });

  test("the session's GET stream never carries globex's records; acme's own pass and round-trip", async () => {
    const session = await openSession(gw, await svid(ACME));
    const stream = await getStream(session);
    try {
      // globex's records outside any call: a log message and a sampling request on the upstream's GET stream.
      const refused = await session.call('tools/call', { name: 'crm__outside', arguments: { tenant: 'globex', sentinel: 's1' } });
      assert.equal(refused.json.error, undefined, refused.text);
      // The upstream's request was answered by the gateway (dlp_blocked), not left waiting.
      assert.match(toolText(refused), /outside request: client answered: .*dlp_blocked/);
      await stream.next((m) => m.method === 'notifications/message' && m.params?.data === 'sentinel s1', 'sentinel s1');
      assertClean(JSON.stringify(stream.seen), 'GET stream');
      assert.ok(!stream.seen.some((m) => m.method === 'sampling/createMessage'), JSON.stringify(stream.seen));
      // acme's own records outside a call pass; its answer to the outside request reaches the upstream.
      const pending = session.call('tools/call', { name: 'crm__outside', arguments: { tenant: 'acme', sentinel: 's2' } });
      const log = await stream.next((m) => m.method === 'notifications/message' && /acme-001/.test(m.params?.data), 'acme log');
      assert.match(log.params.data, /outside the call/);
      const ask = await stream.next((m) => m.method === 'sampling/createMessage', 'acme sampling request');
      assert.match(JSON.stringify(ask.params), /acme-007/);
      const answer = { jsonrpc: '2.0', id: ask.id, result: { model: 'm', role: 'assistant', content: { type: 'text', text: 'outside summary' } } };
      const answered = await rawPost(gw.url, answer, { headers: session.headers });
      assert.equal(answered.status, 202, answered.text);
      const done = await pending;
      assert.match(toolText(done), /outside request: client answered: .*outside summary/);
      await stream.next((m) => m.params?.data === 'sentinel s2', 'sentinel s2');
    } finally {
      stream.close();
    }
    // Both withheld messages are on record with the rule, as lifecycle records of the session's tenant.
    for (const method of ['notifications/message', 'sampling/createMessage']) {
      const record = await auditRecord((r) => r.detail?.event === 'dlp_blocked' && r.detail.method === method, method);
      assert.ok(record.detail.hits.includes('marker:globex:0'), JSON.stringify(record));
      assert.equal(record.detail.tenant, 'acme');
    }
  });

  test("2026-07-28 clients that can be asked: globex's records in a server→client request never become input_required", async () => {
    const token = await svid(ACME);
    const post = async (id, args, extra = {}, name = 'crm__ask') => {
      const { body, headers } = modernRequest(id, 'tools/call', { name, arguments: args, ...extra }, { name });
      body.params._meta['io.modelcontextprotocol/clientCapabilities'] = { sampling: {}, elicitation: {} };
      return rawPost(gw.url, body, { headers: { ...headers, authorization: `Bearer ${token}` }, expectId: id });
    };
    for (const kind of ['sampling', 'elicitation']) {
      const id = `modern-ask-${kind}`;
      assertWithheld(await post(id, { kind, tenant: 'globex' }), `modern ask ${kind}`);
      const record = await auditRecord((r) => r.jsonrpc_id === id && r.result, `outcome of ${id}`);
      assert.equal(record.reason, 'dlp_blocked', JSON.stringify(record));
      assert.ok(record.detail?.dlp?.hits?.includes('event:marker:globex:0:block'), JSON.stringify(record));
    }
    // The call's other messages are scanned on the way in too (split over events, in a notification).
    for (const name of ['crm__split', 'crm__notify']) {
      assertWithheld(await post(`modern-bridged-${name}`, {}, {}, name), `bridged ${name}`);
    }
    // acme's own records: asked as input_required, answered on the retry, the answer reaches the upstream.
    const asked = await post('modern-ask-own', { kind: 'sampling', tenant: 'acme' });
    const result = asked.json?.result;
    assert.equal(result?.resultType, 'input_required', asked.text);
    const [[key, request]] = Object.entries(result.inputRequests);
    assert.match(JSON.stringify(request.params), /acme-001/);
    const sampled = { model: 'm', role: 'assistant', content: { type: 'text', text: 'modern own summary' } };
    const done = await post('modern-ask-own-2', { kind: 'sampling', tenant: 'acme' },
      { inputResponses: { [key]: sampled }, requestState: result.requestState });
    assert.equal(done.json?.result?.resultType, 'complete', done.text);
    assert.match(toolText(done), /client answered: .*modern own summary/);
    // Egress: an answer (inputResponses) carrying globex's marker is refused on its way upstream.
    const again = await post('modern-ask-copy', { kind: 'sampling', tenant: 'acme' });
    const [[key2]] = Object.entries(again.json.result.inputRequests);
    const copied = { model: 'm', role: 'assistant', content: { type: 'text', text: 'copied from globex-042' } };
    const refused = await post('modern-ask-copy-2', { kind: 'sampling', tenant: 'acme' },
      { inputResponses: { [key2]: copied }, requestState: again.json.result.requestState });
    assert.match(toolText(refused), /client answered: .*dlp_blocked/, refused.text);
    assertClean(refused.text, 'refused answer');
    const record = await auditRecord((r) => r.jsonrpc_id === 'modern-ask-copy' && r.result, 'outcome of modern-ask-copy');
    assert.ok(record.detail?.dlp?.hits?.includes('egress:marker:globex:0:block'), JSON.stringify(record));
  });

  test('2026-07-28 clients: an egress refusal is on the audit record with the rule, never the data', async () => {
    const token = await svid(ACME);
    const id = 'modern-egress-75';
    const { body, headers } = modernRequest(id, 'tools/call', { name: 'crm__update', arguments: { record: 'copy of globex-051 Gus Green' } }, { name: 'crm__update' });
    const refused = await rawPost(gw.url, body, { headers: { ...headers, authorization: `Bearer ${token}` }, expectId: id });
    assert.equal(reasonOf(refused), 'dlp_blocked', refused.text);
    const record = await auditRecord((r) => r.jsonrpc_id === id, `record of ${id}`);
    assert.equal(record.reason, 'dlp_blocked', JSON.stringify(record));
    assert.equal(record.tool, 'crm__update');
    assert.equal(record.tenant, 'acme');
    assert.deepEqual(record.detail?.dlp, { hits: ['egress:marker:globex:0:block'], blocked: true }, JSON.stringify(record));
    assertClean(JSON.stringify(record), 'audit record');
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
