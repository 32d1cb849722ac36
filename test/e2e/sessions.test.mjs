// Streamable HTTP sessions (protocol 2025-06-18 / 2025-11-25) over raw HTTP: session id issuance and strength,
// unknown and ended sessions (404), DELETE, and the GET SSE stream.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GATEWAY, V2025_06, V2025_11, randomHex, rawPost, rawSession, sessionIdBits, startEnv,
} from './harness.mjs';

const gatewayOnly = { skip: !GATEWAY && 'server-everything answers unknown sessions with 400; gateway contract is 404' };

describe('e2e sessions', () => {
  let env;
  before(async () => { env = await startEnv(); });
  after(async () => { await env?.close(); });

  for (const version of [V2025_11, V2025_06]) {
    describe(`sessions at ${version}`, () => {
      test('initialize returns a strong Mcp-Session-Id and the requested version', async () => {
        const a = await rawSession(env.url, { version });
        const b = await rawSession(env.url, { version });
        try {
          assert.equal(a.init.status, 200);
          assert.equal(a.negotiated, version);
          assert.ok(a.sessionId, 'Mcp-Session-Id header present');
          assert.match(a.sessionId, /^[\x21-\x7e]+$/, 'visible ASCII only');
          assert.ok(sessionIdBits(a.sessionId) >= 128, `session id ${a.sessionId} carries < 128 bits`);
          assert.notEqual(a.sessionId, b.sessionId);
          assert.equal(a.initializedStatus, 202, 'notifications/initialized is accepted with 202');
          const r = a.init.json.result;
          assert.ok(r.serverInfo?.name && r.capabilities?.tools, JSON.stringify(r));
        } finally {
          await a.close();
          await b.close();
        }
      });

      test('requests in a session work; each session sees its own state', async () => {
        const s = await rawSession(env.url, { version });
        try {
          const res = await s.request('tools/list');
          assert.equal(res.status, 200);
          assert.ok(Array.isArray(res.json.result.tools) && res.json.result.tools.length > 0, res.text.slice(0, 300));
          const ping = await s.request('ping');
          assert.deepEqual(ping.json.result, {});
        } finally {
          await s.close();
        }
      });

      test('tenant switch mid-session → 403 session_identity_mismatch; the session is untouched', gatewayOnly, async () => {
        const s = await rawSession(env.url, { version });  // bound to the default tenant (no Bulkhead-Tenant)
        try {
          const other = { headers: { 'bulkhead-tenant': 'globex' } };
          const res = await s.request('tools/list', {}, other);
          assert.equal(res.status, 403, res.text);
          assert.equal(res.json?.error?.data?.reason, 'session_identity_mismatch', res.text);
          assert.ok(!('result' in (res.json || {})), 'no data leaks to the other tenant');
          const get = await fetch(env.url, { headers: { ...s.headers(), ...other.headers, accept: 'text/event-stream' } });
          await get.body?.cancel();
          assert.equal(get.status, 403, 'GET naming another tenant');
          const del = await fetch(env.url, { method: 'DELETE', headers: { ...s.headers(), ...other.headers } });
          assert.equal(del.status, 403, 'DELETE naming another tenant cannot end the session');
          const ok = await s.request('ping');
          assert.deepEqual(ok.json?.result, {}, 'the session still works for its own tenant');
        } finally {
          await s.close();
        }
      });

      test('unknown session id → 404', gatewayOnly, async () => {
        const bogus = randomHex(32);
        const res = await rawPost(env.url, { jsonrpc: '2.0', id: 5, method: 'tools/list', params: {} },
          { headers: { 'mcp-session-id': bogus, 'mcp-protocol-version': version } });
        assert.equal(res.status, 404, res.text);
        if (res.json) assert.ok(res.json.error, 'JSON-RPC error body');
        const get = await fetch(env.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': bogus, 'mcp-protocol-version': version } });
        await get.body?.cancel();
        assert.equal(get.status, 404, 'GET with an unknown session');
      });

      test('DELETE ends the session; reusing it → 404', gatewayOnly, async () => {
        const s = await rawSession(env.url, { version });
        const before = await s.request('tools/list');
        assert.equal(before.status, 200);
        const del = await fetch(env.url, { method: 'DELETE', headers: s.headers() });
        await del.arrayBuffer();
        assert.ok(del.status === 200 || del.status === 204, `DELETE → ${del.status}`);
        const after = await s.request('tools/list');
        assert.equal(after.status, 404, after.text);
        const del2 = await fetch(env.url, { method: 'DELETE', headers: s.headers() });
        await del2.arrayBuffer();
        assert.equal(del2.status, 404, 'second DELETE');
      });

      test('a non-initialize request without a session id → 400', async () => {
        const res = await rawPost(env.url, { jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} },
          { headers: { 'mcp-protocol-version': version } });
        assert.equal(res.status, 400, res.text);
      });

      test('GET opens an SSE stream (200 text/event-stream) for a valid session', async () => {
        const s = await rawSession(env.url, { version });
        const ac = new AbortController();
        try {
          const res = await fetch(env.url, { headers: { accept: 'text/event-stream', ...s.headers() }, signal: ac.signal });
          assert.equal(res.status, 200);
          assert.match(res.headers.get('content-type') || '', /^text\/event-stream/);
          // The stream stays open: no end of body within 300 ms.
          const reader = res.body.getReader();
          const first = await Promise.race([reader.read().then((r) => (r.done ? 'ended' : 'data')), new Promise((r) => setTimeout(() => r('open'), 300))]);
          assert.notEqual(first, 'ended', 'SSE stream closed immediately');
          ac.abort();
          // The session is still usable after the client drops its stream.
          const res2 = await s.request('ping');
          assert.deepEqual(res2.json.result, {});
        } finally {
          ac.abort();
          await s.close();
        }
      });
    });
  }

  describe('session isolation', () => {
    test('ending one session leaves another usable', async () => {
      const a = await rawSession(env.url, { version: V2025_11 });
      const b = await rawSession(env.url, { version: V2025_11 });
      try {
        await a.close();
        const res = await b.request('ping');
        assert.equal(res.status, 200, 'closing A does not affect B');
        assert.deepEqual(res.json.result, {});
      } finally {
        await b.close();
      }
    });
  });
});
