// Upstream failures: an upstream that never comes up, one that dies mid-run, and one that is too slow. The failing
// upstream's calls get JSON-RPC errors with reason codes; the other upstreams keep working. Gateway-only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GATEWAY, connectV1, freePort, healthz, listAll, startEnv, startEverythingHttp, stopProcess, textOf,
} from './harness.mjs';

const skip = !GATEWAY && 'gateway only';
const TIMEOUT_MS = 10000;

// Calls a tool and returns the JSON-RPC error it fails with (fails the test if it succeeds), plus elapsed time.
async function callError(client, name, args = {}, opts = {}) {
  const started = Date.now();
  try {
    const res = await client.callTool({ name, arguments: args }, undefined, { timeout: 60000, ...opts });
    assert.fail(`${name} succeeded: ${JSON.stringify(res).slice(0, 300)}`);
  } catch (err) {
    if (err.code === 'ERR_ASSERTION') throw err;
    return { err, elapsed: Date.now() - started };
  }
}

describe('an upstream that is down from the start, and one that dies', { skip }, () => {
  let env;
  let flaky;
  let client;
  before(async () => {
    const closed = await freePort(); // nothing listens there
    flaky = await startEverythingHttp();
    env = await startEnv({
      requestTimeoutMs: TIMEOUT_MS,
      extraUpstreams: [
        { name: 'dead', transport: 'http', url: `http://127.0.0.1:${closed}/mcp` },
        { name: 'flaky', transport: 'http', url: flaky.url },
      ],
    });
    ({ client } = await connectV1(env.url));
  });
  after(async () => {
    await client?.close().catch(() => {});
    await stopProcess(flaky?.proc);
    await env?.close();
  });

  test('the gateway starts and tools/list still lists the healthy upstreams', async () => {
    const { items } = await listAll(client, 'tools/list', 'tools');
    const names = items.map((t) => t.name);
    for (const n of ['everything__echo', 'local__echo', 'flaky__echo']) assert.ok(names.includes(n), `missing ${n} in ${names}`);
    assert.ok(!names.some((n) => n.startsWith('dead__')), 'no tools from the dead upstream');
  });

  test('calling a tool of the dead upstream → upstream_unavailable within the timeout', async () => {
    const { err, elapsed } = await callError(client, 'dead__echo', { message: 'x' });
    assert.equal(err.data?.reason, 'upstream_unavailable', `${err.code} ${err.message} ${JSON.stringify(err.data)}`);
    assert.equal(err.code, -32603, err.message);
    assert.ok(elapsed < TIMEOUT_MS, `took ${elapsed} ms`);
  });

  test('other upstreams keep working next to the dead one', async () => {
    assert.equal(textOf(await client.callTool({ name: 'everything__echo', arguments: { message: 'a' } })), 'Echo: a');
    assert.equal(textOf(await client.callTool({ name: 'local__echo', arguments: { message: 'b' } })), 'Echo: b');
    const p = await client.getPrompt({ name: 'everything__args-prompt', arguments: { city: 'Rome' } });
    assert.equal(p.messages[0].content.text, "What's weather in Rome?");
  });

  test('an upstream that dies mid-run → upstream_unavailable; the rest keep working', async () => {
    assert.equal(textOf(await client.callTool({ name: 'flaky__echo', arguments: { message: 'alive' } })), 'Echo: alive');
    await stopProcess(flaky.proc);
    const { err, elapsed } = await callError(client, 'flaky__echo', { message: 'gone' });
    assert.equal(err.data?.reason, 'upstream_unavailable', `${err.code} ${err.message} ${JSON.stringify(err.data)}`);
    assert.ok(elapsed < TIMEOUT_MS, `took ${elapsed} ms`);
    assert.equal(textOf(await client.callTool({ name: 'everything__echo', arguments: { message: 'c' } })), 'Echo: c');
    assert.equal(textOf(await client.callTool({ name: 'local__echo', arguments: { message: 'd' } })), 'Echo: d');
    assert.equal(await healthz(env.base), 200);
  });

  test('a new client session works while upstreams are down', async () => {
    const { client: other } = await connectV1(env.url);
    try {
      assert.equal(textOf(await other.callTool({ name: 'local__echo', arguments: { message: 'e' } })), 'Echo: e');
    } finally {
      await other.close();
    }
  });
});

describe('a slow upstream', { skip }, () => {
  const REQUEST_TIMEOUT_MS = 2500;
  let env;
  let client;
  before(async () => {
    env = await startEnv({ requestTimeoutMs: REQUEST_TIMEOUT_MS, withLocal: false });
    ({ client } = await connectV1(env.url));
  });
  after(async () => {
    await client?.close().catch(() => {});
    await env?.close();
  });

  test('a tool slower than request_timeout_ms → upstream_timeout', async () => {
    const { err, elapsed } = await callError(client, 'everything__trigger-long-running-operation', { duration: 8, steps: 2 });
    assert.equal(err.data?.reason, 'upstream_timeout', `${err.code} ${err.message} ${JSON.stringify(err.data)}`);
    assert.equal(err.code, -32603, err.message);
    assert.ok(elapsed >= REQUEST_TIMEOUT_MS - 200, `timed out early, after ${elapsed} ms`);
    assert.ok(elapsed < 7000, `timed out late, after ${elapsed} ms`);
  });

  test('the upstream and the session are fine after a timeout', async () => {
    assert.equal(textOf(await client.callTool({ name: 'everything__echo', arguments: { message: 'quick' } })), 'Echo: quick');
    const res = await client.callTool({ name: 'everything__trigger-long-running-operation', arguments: { duration: 0.4, steps: 2 } });
    assert.match(textOf(res), /completed/);
    assert.equal(await healthz(env.base), 200);
  });
});
