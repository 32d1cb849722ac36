// Malformed and hostile input over raw HTTP: every case gets the right JSON-RPC error (and reason code), nothing
// takes the gateway down, and /healthz still answers at the end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY, V2025_11, healthz, postLarge, rawHttp, rawPost, rawSession, startEnv } from './harness.mjs';

const reason = (res) => res.json?.error?.data?.reason;
const gatewayOnly = { skip: !GATEWAY && 'gateway reason codes / limits' };
const ECHO = GATEWAY ? 'everything__echo' : 'echo';

describe('e2e bad input', () => {
  let env;
  let s;
  before(async () => {
    env = await startEnv();
    s = await rawSession(env.url, { version: V2025_11 });
  });
  after(async () => { await s?.close(); await env?.close(); });

  describe('malformed messages', () => {
    test('malformed JSON → -32700 parse_error', async () => {
      const res = await s.post('{"jsonrpc":"2.0","id":1,"method":"tools/list",');
      assert.ok(res.status === 400 || res.status === 200, `HTTP ${res.status}`);
      assert.equal(res.json?.error?.code, -32700, res.text);
      if (GATEWAY) {
        assert.equal(res.status, 400);
        assert.equal(reason(res), 'parse_error', res.text);
        assert.equal(res.json.id, null, 'id is null when it cannot be read');
      }
    });

    test('not JSON at all → -32700', async () => {
      const res = await s.post('hello, gateway');
      assert.equal(res.json?.error?.code, -32700, res.text);
    });

    for (const [what, body] of [
      ['missing "jsonrpc"', { id: 2, method: 'tools/list' }],
      ['wrong "jsonrpc" version', { jsonrpc: '1.0', id: 2, method: 'tools/list' }],
      ['non-string method', { jsonrpc: '2.0', id: 2, method: 42 }],
      ['object id', { jsonrpc: '2.0', id: { x: 1 }, method: 'tools/list' }],
      ['a bare JSON string', 'just a string'],
    ]) {
      test(`invalid request (${what}) → -32600 invalid_request`, gatewayOnly, async () => {
        const res = await s.post(JSON.stringify(body));
        assert.equal(res.json?.error?.code, -32600, res.text);
        assert.equal(reason(res), 'invalid_request', res.text);
      });
    }

    test('unknown method → -32601 method_not_found', async () => {
      const res = await s.request('no/such/method', {});
      assert.equal(res.json?.error?.code, -32601, res.text);
      if (GATEWAY) assert.equal(reason(res), 'method_not_found', res.text);
    });

    test('unknown tool (unknown prefix) → -32602 unknown_tool', gatewayOnly, async () => {
      const res = await s.request('tools/call', { name: 'nosuchupstream__echo', arguments: {} });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json?.error?.code, -32602, res.text);
      assert.equal(reason(res), 'unknown_tool', res.text);
    });

    test('unknown tool (known upstream) → -32602', async () => {
      const res = await s.request('tools/call', { name: GATEWAY ? 'everything__no-such-tool' : 'no-such-tool', arguments: {} });
      // The v1 server SDK reports an unknown tool either as -32602 or as a tool result with isError.
      if (GATEWAY) {
        assert.equal(res.json?.error?.code, -32602, res.text);
        assert.equal(reason(res), 'unknown_tool', res.text);
      } else {
        assert.ok(res.json?.error?.code === -32602 || res.json?.result?.isError === true, res.text);
      }
    });

    test('tools/call without a name → -32602', gatewayOnly, async () => {
      const res = await s.request('tools/call', { arguments: {} });
      assert.equal(res.json?.error?.code, -32602, res.text);
    });

    test('JSON array batch → batch_not_supported', gatewayOnly, async () => {
      const res = await s.post(JSON.stringify([
        { jsonrpc: '2.0', id: 11, method: 'ping' },
        { jsonrpc: '2.0', id: 12, method: 'tools/list' },
      ]));
      assert.ok(res.messages.length >= 1, `no JSON-RPC error in body: HTTP ${res.status} ${res.text}`);
      for (const m of res.messages) {
        assert.ok(m.error, `batch element answered with a result: ${res.text}`);
        assert.equal(m.error.data?.reason, 'batch_not_supported', res.text);
      }
    });

    test('empty JSON array → an error, not a crash', gatewayOnly, async () => {
      const res = await s.post('[]');
      assert.ok(res.status >= 400 || res.json?.error, `HTTP ${res.status} ${res.text}`);
    });
  });

  describe('limits', () => {
    test('body over 4 MiB → HTTP 413 body_too_large', gatewayOnly, async () => {
      const res = await postLarge(env.url, 4 * 1024 * 1024 + 4096, s.headers());
      assert.equal(res.status, 413, `${res.text.slice(0, 300)} (write error: ${res.writeError})`);
      if (GATEWAY && res.text) {
        const j = JSON.parse(res.text);
        assert.equal(j.error?.data?.reason, 'body_too_large', res.text);
      }
    });

    test('chunked body over 4 MiB (no Content-Length) → 413, or cut off before the upload ends; never processed', gatewayOnly, async () => {
      const res = await postLarge(env.url, 4 * 1024 * 1024 + 4096, s.headers(), { chunked: true, headWaitMs: 0 });
      if (res.status === 0) {
        assert.equal(res.uploaded, false, `connection closed with no answer after the whole body was sent (${res.writeError})`);
      } else {
        assert.equal(res.status, 413, res.text.slice(0, 300));
      }
      assert.equal(await healthz(env.base), 200);
    });

    test('a 1 MiB body is accepted', async () => {
      const res = await postLarge(env.url, 1024 * 1024, s.headers());
      assert.equal(res.status, 200, res.text.slice(0, 300));
    });

    test('wrong Content-Type → 4xx, not a crash', async () => {
      const res = await fetch(env.url, {
        method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
        headers: { 'content-type': 'text/plain', accept: 'application/json, text/event-stream', ...s.headers() },
      });
      await res.arrayBuffer();
      assert.ok(res.status >= 400 && res.status < 500, `HTTP ${res.status}`);
    });
  });

  describe('DNS-rebinding protection on the loopback listener', () => {
    const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: V2025_11, capabilities: {}, clientInfo: { name: 'rebind', version: '1' } } });
    const hdrs = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

    test('control: loopback Host and Origin are accepted', gatewayOnly, async () => {
      const port = new URL(env.url).port;
      const res = await rawHttp(env.url, { body: init, headers: { ...hdrs, host: `localhost:${port}`, origin: `http://127.0.0.1:${port}` } });
      assert.equal(res.status, 200, res.text.slice(0, 300));
    });

    test('a foreign Host → 403', gatewayOnly, async () => {
      const res = await rawHttp(env.url, { body: init, headers: { ...hdrs, host: 'evil.example' } });
      assert.equal(res.status, 403, res.text.slice(0, 300));
    });

    test('a foreign Origin → 403', gatewayOnly, async () => {
      const res = await rawHttp(env.url, { body: init, headers: { ...hdrs, origin: 'http://evil.example' } });
      assert.equal(res.status, 403, res.text.slice(0, 300));
    });
  });

  describe('still healthy', () => {
    test('the session and /healthz still answer after all of the above', async () => {
      const res = await s.request('tools/call', { name: ECHO, arguments: { message: 'still here' } });
      assert.equal(res.json?.result?.content?.[0]?.text, 'Echo: still here', res.text);
      if (GATEWAY) {
        assert.equal(await healthz(env.base), 200);
        assert.equal(env.gatewayProc.exited, null, 'gateway process still running');
      }
    });
  });
});
