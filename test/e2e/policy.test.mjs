// Per-tenant policy through the real gateway: two tenants (JWT-SVIDs minted by jose), server-everything over stdio,
// a Cedar-subset policy directory. Allowed and denied calls (with the deciding policy ids), an argument-level
// denial, lists filtered per tenant and agreeing with calls, and hot reload (SIGHUP) where a bad set keeps the old.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEWAY, NODE, gatewayConfig, rawPost, serverEverythingEntry, sleep, startGateway, stopProcess } from './harness.mjs';
import { initializeBody, mintSvid, signingKey, writeJwks } from './identity_support.mjs';

const ACME = 'spiffe://acme.test/agent/support';
const GLOBEX = 'spiffe://acme.test/agent/globex-support';

const POLICIES = `
@id("acme-echo")
permit(principal in Tenant::"acme", action == Action::"tools/call", resource == Tool::"local__echo");

// Argument-level: acme may add small numbers only.
@id("acme-small-sums")
permit(principal in Tenant::"acme", action == Action::"tools/call", resource == Tool::"local__get-sum")
when { context.arguments.a < 100 && context.arguments.b < 100 };

@id("acme-no-secrets")
forbid(principal in Tenant::"acme", action == Action::"tools/call", resource == Tool::"local__echo")
when { context.arguments.message like "*secret*" };

@id("globex-local")
permit(principal in Tenant::"globex", action, resource in Upstream::"local");

@id("no-long-operations")
forbid(principal, action, resource == Tool::"local__trigger-long-running-operation");
`;

let dir;
let gw;
const tokens = {};

function client(token, tenant) {
  let session = null;
  let id = 10;
  const headers = () => ({ authorization: `Bearer ${token}`, 'bulkhead-tenant': tenant, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' });
  return {
    async open() {
      const res = await rawPost(gw.url, initializeBody(), { headers: { authorization: `Bearer ${token}`, 'bulkhead-tenant': tenant } });
      assert.equal(res.status, 200, res.text);
      session = res.headers.get('mcp-session-id');
      await rawPost(gw.url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { headers: headers() });
    },
    async request(method, params = {}) {
      const reqId = id++;
      const res = await rawPost(gw.url, { jsonrpc: '2.0', id: reqId, method, params }, { headers: headers(), expectId: reqId });
      assert.equal(res.status, 200, `${method}: HTTP ${res.status} ${res.text}`);
      return res.json;
    },
    async toolNames() {
      const names = [];
      let cursor;
      do {
        const r = await this.request('tools/list', cursor ? { cursor } : {});
        names.push(...r.result.tools.map((t) => t.name));
        cursor = r.result.nextCursor;
      } while (cursor);
      return names.sort();
    },
    call(name, args) { return this.request('tools/call', { name, arguments: args }); },
  };
}

before(async () => {
  if (!GATEWAY) return;
  dir = mkdtempSync(join(tmpdir(), 'bulkhead-policy-'));
  const key = await signingKey(dir, 'acme', 'EdDSA');
  writeJwks(join(dir, 'acme.jwks.json'), [key]);
  tokens.acme = await mintSvid(key, { sub: ACME, claims: { exp: Math.floor(Date.now() / 1000) + 3600 } });
  tokens.globex = await mintSvid(key, { sub: GLOBEX, claims: { exp: Math.floor(Date.now() / 1000) + 3600 } });
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies', 'main.cedar'), POLICIES);
  const auth = [
    '[auth]', '[[trust_domain]]', 'name = "acme.test"', 'jwks_file = "acme.jwks.json"',
    '[[tenant]]', 'id = "acme"', `agents = ["${ACME}"]`,
    '[[tenant]]', 'id = "globex"', `agents = ["${GLOBEX}"]`,
    '[policy]', 'dir = "policies"',
  ].join('\n');
  gw = await startGateway(gatewayConfig({
    upstreams: [{ name: 'local', transport: 'stdio', command: NODE, args: [serverEverythingEntry, 'stdio'] }],
    auth,
  }), dir);
});

after(async () => {
  if (gw) await stopProcess(gw.proc);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('lists show each tenant only what it may call', { skip: !GATEWAY }, async () => {
  const acme = client(tokens.acme, 'acme');
  const globex = client(tokens.globex, 'globex');
  await acme.open();
  await globex.open();
  // Conditions on arguments count as possibly true: get-sum (permit with an argument condition) and echo (forbid
  // with an argument condition) are both listed.
  assert.deepEqual(await acme.toolNames(), ['local__echo', 'local__get-sum']);
  const globexTools = await globex.toolNames();
  assert.ok(globexTools.length > 5, globexTools.join(','));
  assert.ok(!globexTools.includes('local__trigger-long-running-operation'), 'an unconditional forbid hides the tool');
  assert.ok(globexTools.includes('local__echo'));
  const prompts = await acme.request('prompts/list');
  assert.deepEqual(prompts.result.prompts, [], 'acme has no permit for prompts');
  const resources = await acme.request('resources/list');
  assert.deepEqual(resources.result.resources, []);
  assert.ok((await globex.request('resources/list')).result.resources.length > 0);

  // Lists and calls agree: every tool globex sees but acme does not is denied to acme by policy.
  for (const name of globexTools.filter((t) => !['local__echo', 'local__get-sum'].includes(t))) {
    const r = await acme.call(name, {});
    assert.equal(r.error?.data?.reason, 'policy_denied', `${name}: ${JSON.stringify(r)}`);
  }
});

test('allowed calls pass, denied calls name the deciding policies', { skip: !GATEWAY }, async () => {
  const acme = client(tokens.acme, 'acme');
  await acme.open();
  const ok = await acme.call('local__echo', { message: 'hello' });
  assert.match(JSON.stringify(ok.result), /hello/);
  const forbidden = await acme.call('local__echo', { message: 'my secret plan' });
  assert.equal(forbidden.error.code, -32001);
  assert.equal(forbidden.error.data.reason, 'policy_denied');
  assert.deepEqual(forbidden.error.data.policies, ['acme-no-secrets']);
  assert.ok(!JSON.stringify(forbidden).includes('like'), 'policy text is never returned');
  // Argument-level rule: small sums pass, a large one falls to default deny (no policy determines it).
  const small = await acme.call('local__get-sum', { a: 2, b: 3 });
  assert.match(JSON.stringify(small.result), /5/);
  const large = await acme.call('local__get-sum', { a: 2000, b: 3 });
  assert.equal(large.error.data.reason, 'policy_denied');
  assert.deepEqual(large.error.data.policies, []);
  // Forbid wins over a permit (globex is permitted everything on local, but not the long operation).
  const globex = client(tokens.globex, 'globex');
  await globex.open();
  const long = await globex.call('local__trigger-long-running-operation', { duration: 1, steps: 1 });
  assert.deepEqual(long.error.data.policies, ['no-long-operations']);
  // Resources: globex may read, acme may not.
  const uri = (await globex.request('resources/list')).result.resources[0].uri;
  assert.ok((await globex.request('resources/read', { uri })).result);
  assert.equal((await acme.request('resources/read', { uri })).error.data.reason, 'policy_denied');
  assert.match(gw.proc.output, /policy denied tenant=acme principal=spiffe:\/\/acme\.test\/agent\/support action=tools\/call Tool=local__echo policies=acme-no-secrets/);
});

test('reload: a bad set is rejected and the old one stays; a good set takes effect', { skip: !GATEWAY }, async () => {
  const acme = client(tokens.acme, 'acme');
  await acme.open();
  writeFileSync(join(dir, 'policies', 'broken.cedar'), 'permit(principal, action, resource) when { context.x ==  };\n');
  process.kill(gw.proc.pid, 'SIGHUP');
  for (let i = 0; i < 50 && !gw.proc.output.includes('policy reload failed'); i++) await sleep(100);
  assert.match(gw.proc.output, /policy reload failed, the previous set stays active: [\s\S]*broken\.cedar:1:\d+: /);
  assert.match(JSON.stringify((await acme.call('local__echo', { message: 'still here' })).result), /still here/);
  const metrics = await (await fetch(`${gw.base}/metrics`)).text();
  assert.match(metrics, /bulkhead_policy_reloads_total\{result="rejected"\} 1/);

  rmSync(join(dir, 'policies', 'broken.cedar'));
  writeFileSync(join(dir, 'policies', 'main.cedar'), POLICIES.replace(/@id\("acme-echo"\)[^;]*;/, ''));
  process.kill(gw.proc.pid, 'SIGHUP');
  let denied;
  for (let i = 0; i < 50; i++) {
    await sleep(100);
    denied = await acme.call('local__echo', { message: 'now?' });
    if (denied.error) break;
  }
  assert.equal(denied.error?.data?.reason, 'policy_denied', 'the new set (without acme-echo) is in force');
  assert.deepEqual(await acme.toolNames(), ['local__get-sum']);
});
