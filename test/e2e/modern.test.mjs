// Protocol 2026-07-28 (stateless, per-request `_meta` envelope, SEP-2243 standard headers) with the v2 client and
// raw requests. The gateway bridges these clients to the 2025-11-25 upstreams. With E2E_DIRECT=1 the same tests run
// against a reference server built on the official v2 server SDK (modern-reference-server.mjs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GATEWAY, V2026, connectV2, healthz, modernRequest, rawPost, startEnv, startModernReference, textOf,
} from './harness.mjs';

const gatewayOnly = { skip: !GATEWAY && 'needs the gateway (reference server has only echo)' };
const UPSTREAMS = GATEWAY ? ['everything', 'local'] : [null];
const exposed = (up, name) => (up ? `${up}__${name}` : name);
const ECHO = exposed(UPSTREAMS[0], 'echo');

describe('e2e modern (2026-07-28)', () => {
  let env;
  let url;
  let ref;
  before(async () => {
    env = await startEnv();
    if (GATEWAY) url = env.url;
    else { ref = await startModernReference(); url = ref.url; }
  });
  after(async () => { await ref?.close(); await env?.close(); });

  describe('v2 client pinned to 2026-07-28', () => {
    let client;
    const requests = [];
    before(async () => {
      const fetchImpl = async (u, init) => {
        const h = new Headers(init?.headers);
        requests.push({ method: init?.method, mcpMethod: h.get('mcp-method'), version: h.get('mcp-protocol-version') });
        const res = await fetch(u, init);
        requests[requests.length - 1].sessionId = res.headers.get('mcp-session-id');
        requests[requests.length - 1].status = res.status;
        return res;
      };
      ({ client } = await connectV2(url, { fetchImpl }));
    });
    after(async () => { await client?.close(); });

    test('connect negotiates 2026-07-28 via server/discover (no initialize, no session)', () => {
      assert.ok(requests.length >= 1);
      assert.equal(requests[0].mcpMethod, 'server/discover');
      assert.equal(requests[0].status, 200);
      assert.ok(requests.every((r) => r.mcpMethod !== 'initialize'), 'no initialize on a modern connection');
      assert.ok(requests.every((r) => r.version === V2026), 'every request carries MCP-Protocol-Version: 2026-07-28');
      assert.ok(requests.every((r) => !r.sessionId), 'stateless: no Mcp-Session-Id issued');
      assert.ok(client.getServerCapabilities()?.tools, 'tools capability');
    });

    test('tools/list shows the upstream tools with prefixes', async () => {
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name);
      for (const up of UPSTREAMS) assert.ok(names.includes(exposed(up, 'echo')), `missing ${exposed(up, 'echo')} in ${names}`);
      assert.equal(new Set(names).size, names.length, 'no duplicates');
      if (GATEWAY) {
        assert.ok(names.includes('everything__get-sum') && names.includes('local__get-sum'));
        assert.ok(names.every((n) => /^(everything|local)__/.test(n)), `unprefixed tool in ${names}`);
      }
    });

    for (const up of UPSTREAMS) {
      test(`tools/call ${exposed(up, 'echo')}`, async () => {
        const res = await client.callTool({ name: exposed(up, 'echo'), arguments: { message: `modern ${up}` } });
        assert.equal(textOf(res), `Echo: modern ${up}`);
      });
    }

    test('tools/call get-sum, prompts/get and resources/read through the bridge', gatewayOnly, async () => {
      const sum = await client.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 40 } });
      assert.match(textOf(sum), /\b42\b/);
      const prompt = await client.getPrompt({ name: 'local__args-prompt', arguments: { city: 'Oslo' } });
      assert.equal(prompt.messages[0].content.text, "What's weather in Oslo?");
      const r = await client.readResource({ uri: 'demo://resource/dynamic/text/4' });
      assert.match(r.contents[0].text, /^Resource 4: This is a plaintext resource/);
    });
  });

  // Beyond the brief's minimum (list + call): streamed progress, and sampling bridged to `input_required` for a
  // 2026-07-28 client (reported as TODO, not failing the suite, until the gateway implements it).
  describe('2026-07-28 bridge extras', { skip: !GATEWAY && 'gateway only' }, () => {
    test('progress notifications stream before the result', async () => {
      const { client } = await connectV2(url);
      try {
        const events = [];
        const res = await client.callTool({ name: 'everything__trigger-long-running-operation', arguments: { duration: 1, steps: 2 } },
          { onprogress: (p) => events.push(p.progress), timeout: 30000 });
        assert.match(textOf(res), /completed/);
        assert.deepEqual(events, [1, 2]);
      } finally {
        await client.close();
      }
    });

    test('sampling requested by the upstream reaches the client as input_required', { todo: 'sampling bridge for modern clients' }, async () => {
      const { client } = await connectV2(url, {
        capabilities: { sampling: {} },
        setup: (c) => c.setRequestHandler('sampling/createMessage', async () => ({
          model: 'modern-model', role: 'assistant', content: { type: 'text', text: 'modern sampled reply' } })),
      });
      try {
        const res = await client.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'hi' } });
        assert.match(textOf(res), /modern sampled reply/);
      } finally {
        await client.close();
      }
    });
  });

  describe('raw 2026-07-28 requests', () => {
    test('control: matching Mcp-Method and Mcp-Name headers → 200 with the result', async () => {
      const { body, headers } = modernRequest(1, 'tools/call', { name: ECHO, arguments: { message: 'raw' } }, { name: ECHO });
      const res = await rawPost(url, body, { headers, expectId: 1 });
      assert.equal(res.status, 200, res.text);
      assert.equal(textOf(res.json.result), 'Echo: raw');
      assert.equal(res.headers.get('mcp-session-id'), null, 'stateless: no session id');
    });

    test('Mcp-Method header not matching the body → HTTP 400, JSON-RPC -32020', async () => {
      const { body, headers } = modernRequest(2, 'tools/call', { name: ECHO, arguments: { message: 'x' } }, { name: ECHO });
      headers['mcp-method'] = 'tools/list';
      const res = await rawPost(url, body, { headers });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json?.error?.code, -32020, res.text);
      if (GATEWAY) assert.equal(res.json.error.data?.reason, 'header_mismatch', res.text);
    });

    test('Mcp-Name header not matching params.name → HTTP 400, JSON-RPC -32020', async () => {
      const { body, headers } = modernRequest(3, 'tools/call', { name: ECHO, arguments: { message: 'x' } }, { name: exposed(UPSTREAMS[0], 'get-sum') });
      const res = await rawPost(url, body, { headers });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json?.error?.code, -32020, res.text);
    });

    test('tools/list without Mcp-Name works; the gateway stays healthy', async () => {
      const { body, headers } = modernRequest(4, 'tools/list');
      const res = await rawPost(url, body, { headers, expectId: 4 });
      assert.equal(res.status, 200, res.text);
      assert.ok(res.json.result.tools.some((t) => t.name === ECHO));
      if (GATEWAY) assert.equal(await healthz(env.base), 200);
    });
  });
});
