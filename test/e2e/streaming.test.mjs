// Streaming through the gateway: progress notifications, cancellation, and server→client requests (sampling,
// elicitation) relayed between server-everything (HTTP upstream) and the client.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY, connectV1, healthz, startEnv, textOf, typesV1 } from './harness.mjs';

const exposed = (name, up = 'everything') => (GATEWAY ? `${up}__${name}` : name);
const LONG = exposed('trigger-long-running-operation');

describe('e2e streaming', () => {
  let env;
  before(async () => { env = await startEnv(); });
  after(async () => { await env?.close(); });

  describe('progress', () => {
    let client;
    before(async () => { ({ client } = await connectV1(env.url)); });
    after(async () => { await client?.close(); });

    for (const up of GATEWAY ? ['everything', 'local'] : ['everything']) {
      test(`notifications/progress arrive before the result (${up})`, async () => {
        const events = [];
        const started = Date.now();
        const res = await client.callTool(
          { name: exposed('trigger-long-running-operation', up), arguments: { duration: 1.5, steps: 3 } },
          undefined,
          { onprogress: (p) => events.push({ ...p, at: Date.now() }), timeout: 30000 },
        );
        const doneAt = Date.now();
        assert.equal(textOf(res), 'Long running operation completed. Duration: 1.5 seconds, Steps: 3.');
        assert.deepEqual(events.map((e) => [e.progress, e.total]), [[1, 3], [2, 3], [3, 3]]);
        for (const e of events) assert.ok(e.at <= doneAt, 'progress after result');
        // The notifications were streamed, not buffered until the end: the first one arrived well before the result.
        // Steps are 500 ms apart, so the first one should precede the result by ~1 s.
        assert.ok(events[0].at - started < 3000, `first progress after ${events[0].at - started} ms`);
        assert.ok(doneAt - events[0].at >= 400, `first progress only ${doneAt - events[0].at} ms before the result`);
      });
    }
  });

  describe('cancellation', () => {
    let client;
    before(async () => { ({ client } = await connectV1(env.url)); });
    after(async () => { await client?.close(); });

    test('aborting an in-flight call rejects promptly; the gateway and the session stay healthy', async () => {
      const ac = new AbortController();
      let progressCount = 0;
      const started = Date.now();
      const call = client.callTool(
        { name: LONG, arguments: { duration: 20, steps: 40 } },
        undefined,
        {
          signal: ac.signal, timeout: 60000,
          onprogress: () => { progressCount += 1; if (progressCount === 1) ac.abort(new Error('test cancels')); },
        },
      );
      await assert.rejects(call, /test cancels|abort/i);
      const elapsed = Date.now() - started;
      assert.equal(progressCount, 1, 'the call was in flight (one progress seen) when cancelled');
      assert.ok(elapsed < 5000, `cancel took ${elapsed} ms`);

      // Same session keeps working, including another streamed call.
      const echo = await client.callTool({ name: exposed('echo'), arguments: { message: 'after cancel' } });
      assert.equal(textOf(echo), 'Echo: after cancel');
      const events = [];
      const res = await client.callTool({ name: LONG, arguments: { duration: 0.6, steps: 2 } }, undefined,
        { onprogress: (p) => events.push(p.progress) });
      assert.match(textOf(res), /completed/);
      assert.deepEqual(events, [1, 2]);
      if (GATEWAY) assert.equal(await healthz(env.base), 200);
    });

    test('a fresh client works after another client cancelled', async () => {
      const { client: other } = await connectV1(env.url);
      try {
        const res = await other.callTool({ name: exposed('echo'), arguments: { message: 'fresh' } });
        assert.equal(textOf(res), 'Echo: fresh');
      } finally {
        await other.close();
      }
    });
  });

  describe('sampling', () => {
    let client;
    const seen = [];
    before(async () => {
      ({ client } = await connectV1(env.url, {
        capabilities: { sampling: {} },
        setup: (c) => c.setRequestHandler(typesV1.CreateMessageRequestSchema, async (req) => {
          seen.push(req.params);
          return { model: 'e2e-model-7', role: 'assistant', stopReason: 'endTurn',
            content: { type: 'text', text: `sampled reply #${seen.length}` } };
        }),
      }));
    });
    after(async () => { await client?.close(); });

    test('the sampling tool is offered to a client with the sampling capability', async () => {
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === exposed('trigger-sampling-request')), tools.map((t) => t.name).join(','));
    });

    test('sampling/createMessage round-trips through the gateway', async () => {
      const res = await client.callTool({ name: exposed('trigger-sampling-request'), arguments: { prompt: 'say hi', maxTokens: 33 } });
      const text = textOf(res);
      assert.equal(seen.length, 1, 'the client handler ran once');
      assert.equal(seen[0].maxTokens, 33);
      assert.equal(seen[0].messages[0].content.text, 'Resource trigger-sampling-request context: say hi');
      assert.match(text, /LLM sampling result/);
      assert.match(text, /sampled reply #1/);
      assert.match(text, /e2e-model-7/);
    });
  });

  describe('elicitation', () => {
    let client;
    const seen = [];
    before(async () => {
      ({ client } = await connectV1(env.url, {
        capabilities: { elicitation: {} },
        setup: (c) => c.setRequestHandler(typesV1.ElicitRequestSchema, async (req) => {
          seen.push(req.params);
          return { action: 'accept', content: { name: 'Ada Lovelace', check: true, integer: 7 } };
        }),
      }));
    });
    after(async () => { await client?.close(); });

    test('elicitation/create round-trips through the gateway', async () => {
      const res = await client.callTool({ name: exposed('trigger-elicitation-request'), arguments: {} });
      const text = textOf(res);
      assert.equal(seen.length, 1, 'the client handler ran once');
      assert.equal(seen[0].requestedSchema.required[0], 'name');
      assert.match(text, /User provided the requested information/);
      assert.match(text, /- Name: Ada Lovelace/);
      assert.match(text, /- Favorite Integer: 7/);
    });
  });
});
