// Gateway process lifecycle: the ready file, /healthz, and SIGTERM (drains in-flight requests, exits 0, and leaves
// no stdio upstream process behind). Gateway-only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { GATEWAY, connectV1, healthz, sleep, startEnv, textOf } from './harness.mjs';

const skip = !GATEWAY && 'gateway only';

// Pids of every live descendant of `pid` (from /proc).
function descendants(pid) {
  const parent = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') parent.set(Number(d), Number(fields[1]));
    } catch { /* gone */ }
  }
  const out = [];
  const walk = (p) => { for (const [c, pp] of parent) if (pp === p) { out.push(c); walk(c); } };
  walk(pid);
  return out;
}

const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };

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
