// Gateway process lifecycle: the ready file, /healthz, and SIGTERM (drains in-flight requests, exits 0, and leaves
// no stdio upstream process behind). Gateway-only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY, connectV1, descendants, healthz, sleep, startEnv, textOf } from './harness.mjs';

const skip = !GATEWAY && 'gateway only';

const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };

describe('e2e lifecycle', () => {
  let env;
  before(async () => { if (GATEWAY) env = await startEnv(); });
  after(async () => { await env?.close(); });

  test('ready file names the live gateway and its listener', { skip }, async () => {
    assert.equal(env.ready.pid, env.gatewayProc.pid);
    assert.ok(Array.isArray(env.ready.listen) && env.ready.listen.length >= 1, JSON.stringify(env.ready));
    const port = new URL(env.url).port;
    assert.ok(env.ready.listen.includes(`127.0.0.1:${port}`), JSON.stringify(env.ready));
    assert.equal(await healthz(env.base), 200);
    const notFound = await fetch(`${env.base}/no-such-path`);
    await notFound.arrayBuffer();
    assert.equal(notFound.status, 404);
  });

  test('SIGTERM drains an in-flight call, exits 0 and stops the stdio upstream', { skip }, async () => {
    const { client } = await connectV1(env.url);
    // Make sure the stdio upstream is running (it may start lazily).
    assert.equal(textOf(await client.callTool({ name: 'local__echo', arguments: { message: 'up' } })), 'Echo: up');
    const kids = descendants(env.gatewayProc.pid);
    assert.ok(kids.length >= 1, 'the stdio upstream runs as a child of the gateway');

    const progress = [];
    const inflight = client.callTool({ name: 'everything__trigger-long-running-operation', arguments: { duration: 1.5, steps: 3 } },
      undefined, { onprogress: (p) => progress.push(p.progress), timeout: 30000 });
    while (progress.length === 0) await sleep(20);
    const signalledAt = Date.now();
    env.gatewayProc.expectedExit = true;
    process.kill(env.gatewayProc.pid, 'SIGTERM');

    const res = await inflight;
    assert.match(textOf(res), /Long running operation completed/, 'the in-flight call was drained, not dropped');
    while (env.gatewayProc.exited === null && Date.now() - signalledAt < 15000) await sleep(25);
    assert.deepEqual(env.gatewayProc.exited, { code: 0, signal: null }, `gateway exit: ${JSON.stringify(env.gatewayProc.exited)}`);
    await sleep(200);
    const left = kids.filter(alive);
    assert.deepEqual(left, [], `upstream processes left after the gateway exited: ${left}`);
    await client.close().catch(() => {});
  });

  describe('after a cancelled call', { skip }, () => {
    let env2;
    before(async () => { env2 = await startEnv({ withLocal: false }); });
    after(async () => { await env2?.close(); });

    test('SIGTERM exits 0 promptly: a call the client cancelled is not waited for', async () => {
      const { client } = await connectV1(env2.url);
      const ac = new AbortController();
      let seen = 0;
      const call = client.callTool({ name: 'everything__trigger-long-running-operation', arguments: { duration: 30, steps: 60 } },
        undefined, { signal: ac.signal, timeout: 60000, onprogress: () => { seen += 1; if (seen === 1) ac.abort(new Error('cancelled by test')); } });
      await assert.rejects(call, /cancelled by test/);
      await sleep(300); // let notifications/cancelled reach the gateway
      await client.close();
      env2.gatewayProc.expectedExit = true;
      const signalledAt = Date.now();
      process.kill(env2.gatewayProc.pid, 'SIGTERM');
      while (env2.gatewayProc.exited === null && Date.now() - signalledAt < 15000) await sleep(25);
      const took = Date.now() - signalledAt;
      assert.deepEqual(env2.gatewayProc.exited, { code: 0, signal: null });
      assert.ok(took < 3000, `gateway took ${took} ms to exit: it still waited for the cancelled call`);
    });
  });
});
