// Lists, calls, reads, prompts, completions and pagination through the gateway for both upstreams ("everything"
// over Streamable HTTP, "local" over stdio), with the v1 SDK client at protocol 2025-11-25 and 2025-06-18.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  GATEWAY, V2025_06, V2025_11, connectV1, directToolNames, listAll, serverEverythingEntry, startEnv, textOf,
} from './harness.mjs';

const DOCS = join(dirname(serverEverythingEntry), 'docs');
// Tools server-everything registers for every client, whatever its capabilities.
const UNCONDITIONAL = ['echo', 'get-annotated-message', 'get-env', 'get-resource-links', 'get-resource-reference',
  'get-structured-content', 'get-sum', 'get-tiny-image', 'gzip-file-as-resource', 'toggle-simulated-logging',
  'toggle-subscriber-updates', 'trigger-long-running-operation'];
const UPSTREAMS = GATEWAY ? ['everything', 'local'] : [null];
const exposed = (up, name) => (up ? `${up}__${name}` : name);

describe('e2e basic', () => {
  let env;
  before(async () => { env = await startEnv(); });
  after(async () => { await env?.close(); });

  for (const version of [V2025_11, V2025_06]) {
    describe(`protocol ${version}`, () => {
      let client;
      before(async () => {
        const c = await connectV1(env.url, { version });
        client = c.client;
        assert.equal(c.protocolVersion, version, 'negotiated protocol version');
        if (GATEWAY) assert.ok(c.sessionId, 'gateway returned Mcp-Session-Id');
      });
      after(async () => { await client?.close(); });

      test('initialize advertises tools, resources, prompts and completions', () => {
        const caps = client.getServerCapabilities();
        assert.ok(caps.tools, 'tools capability');
        assert.ok(caps.resources, 'resources capability');
        assert.ok(caps.prompts, 'prompts capability');
        assert.ok(caps.completions, 'completions capability');
        assert.ok(client.getServerVersion()?.name, 'serverInfo.name');
      });

      test('tools/list: every upstream tool, prefixed, no duplicates, across all pages', async () => {
        const direct = new Set(await directToolNames(env.everythingUrl));
        const allPossible = new Set(await directToolNames(env.everythingUrl, { sampling: {}, elicitation: {}, roots: {} }));
        const { items, pages } = await listAll(client, 'tools/list', 'tools');
        const names = items.map((t) => t.name);
        assert.equal(new Set(names).size, names.length, `duplicate tool names: ${names}`);
        assert.ok(pages >= 1);
        for (const up of UPSTREAMS) {
          for (const n of UNCONDITIONAL) assert.ok(names.includes(exposed(up, n)), `missing ${exposed(up, n)} in ${names}`);
        }
        // Every exposed name is <upstream>__<a real server-everything tool>.
        for (const n of names) {
          const m = GATEWAY ? /^(everything|local)__(.+)$/.exec(n) : [n, null, n];
          assert.ok(m, `tool without a known prefix: ${n}`);
          assert.ok(allPossible.has(m[2]), `tool ${n} is not a server-everything tool`);
        }
        // The HTTP upstream gets a session with this client's capabilities (none): exactly the direct listing.
        const everything = names.filter((n) => !GATEWAY || n.startsWith('everything__')).map((n) => (GATEWAY ? n.slice(12) : n));
        assert.deepEqual(new Set(everything), direct);
        // Definitions pass through unchanged apart from the name.
        const echo = items.find((t) => t.name === exposed(UPSTREAMS[0], 'echo'));
        assert.equal(echo.description, 'Echoes back the input string');
        assert.equal(echo.inputSchema.type, 'object');
        assert.ok(echo.inputSchema.properties.message, 'echo input schema has message');
        assert.deepEqual(echo.inputSchema.required, ['message']);
      });

      test('tools/list with an invalid cursor is an error, not a crash', { skip: !GATEWAY && 'gateway cursors only' }, async () => {
        await assert.rejects(client.listTools({ cursor: 'not-a-real-cursor-%%%' }), (err) => {
          assert.equal(err.code, -32602, `error code for bad cursor: ${err.message}`);
          return true;
        });
        const { items } = await listAll(client, 'tools/list', 'tools');
        assert.ok(items.length > 0);
      });

      for (const up of UPSTREAMS) {
        test(`tools/call ${exposed(up, 'echo')} and ${exposed(up, 'get-sum')}`, async () => {
          const res = await client.callTool({ name: exposed(up, 'echo'), arguments: { message: `hello ${version} ${up}` } });
          assert.equal(res.isError ?? false, false);
          assert.equal(textOf(res), `Echo: hello ${version} ${up}`);
          const sum = await client.callTool({ name: exposed(up, 'get-sum'), arguments: { a: 19, b: 23 } });
          assert.match(textOf(sum), /\b42\b/);
          const structured = await client.callTool({ name: exposed(up, 'get-structured-content'), arguments: { location: 'New York' } });
          assert.equal(typeof structured.structuredContent?.temperature, 'number', JSON.stringify(structured));
          const img = await client.callTool({ name: exposed(up, 'get-tiny-image'), arguments: {} });
          const image = img.content.find((c) => c.type === 'image');
          assert.ok(image && image.mimeType === 'image/png' && image.data.length > 100, 'image content passes through');
        });

        test(`tools/call ${exposed(up, 'echo')} with invalid arguments is a tool or params error`, async () => {
          let res;
          try {
            res = await client.callTool({ name: exposed(up, 'echo'), arguments: { message: 42 } });
          } catch (err) {
            assert.equal(err.code, -32602, err.message);
            return;
          }
          assert.equal(res.isError, true, JSON.stringify(res));
        });
      }

      test('resources/list and resources/templates/list', async () => {
        const { items } = await listAll(client, 'resources/list', 'resources');
        const uris = items.map((r) => r.uri);
        assert.ok(uris.includes('demo://resource/static/document/features.md'), `resources: ${uris}`);
        assert.equal(new Set(uris).size, uris.length, `duplicate resource URIs (a URI offered by two upstreams must appear once): ${uris}`);
        const { items: templates } = await listAll(client, 'resources/templates/list', 'resourceTemplates');
        const t = templates.map((x) => x.uriTemplate);
        assert.ok(t.includes('demo://resource/dynamic/text/{resourceId}'), `templates: ${t}`);
        assert.equal(new Set(t).size, t.length, `duplicate templates: ${t}`);
      });

      test('resources/read: static document and templated resource', async () => {
        const uri = 'demo://resource/static/document/features.md';
        const res = await client.readResource({ uri });
        assert.equal(res.contents.length, 1);
        assert.equal(res.contents[0].uri, uri);
        assert.equal(res.contents[0].text, readFileSync(join(DOCS, 'features.md'), 'utf8'));
        const dyn = await client.readResource({ uri: 'demo://resource/dynamic/text/7' });
        assert.match(dyn.contents[0].text, /^Resource 7: This is a plaintext resource/);
        const blob = await client.readResource({ uri: 'demo://resource/dynamic/blob/3' });
        assert.match(Buffer.from(blob.contents[0].blob, 'base64').toString(), /^Resource 3: This is a base64 blob/);
      });

      test('resources/read of an unknown URI is an error', async () => {
        await assert.rejects(client.readResource({ uri: 'demo://no/such/resource' }), (err) => {
          assert.ok(typeof err.code === 'number' && err.code < 0, `JSON-RPC error code: ${err.message}`);
          return true;
        });
      });

      test('prompts/list and prompts/get', async () => {
        const { items } = await listAll(client, 'prompts/list', 'prompts');
        const names = items.map((p) => p.name);
        assert.equal(new Set(names).size, names.length, `duplicate prompts: ${names}`);
        for (const up of UPSTREAMS) {
          for (const p of ['simple-prompt', 'args-prompt', 'completable-prompt', 'resource-prompt']) {
            assert.ok(names.includes(exposed(up, p)), `missing prompt ${exposed(up, p)} in ${names}`);
          }
          const got = await client.getPrompt({ name: exposed(up, 'args-prompt'), arguments: { city: 'Paris', state: 'Texas' } });
          assert.equal(got.messages[0].content.text, "What's weather in Paris, Texas?");
          const simple = await client.getPrompt({ name: exposed(up, 'simple-prompt') });
          assert.ok(simple.messages.length >= 1 && simple.messages[0].content.text.length > 0);
        }
        if (GATEWAY) {
          await assert.rejects(client.getPrompt({ name: 'nosuch__simple-prompt' }), (err) => err.code === -32602 || err.code === -32601 || err.code === -32001);
        }
      });

      test('completion/complete for prompt arguments and resource templates', async () => {
        for (const up of UPSTREAMS) {
          const ref = { type: 'ref/prompt', name: exposed(up, 'completable-prompt') };
          const dept = await client.complete({ ref, argument: { name: 'department', value: 'Eng' } });
          assert.deepEqual(dept.completion.values, ['Engineering']);
          const person = await client.complete({ ref, argument: { name: 'name', value: '' }, context: { arguments: { department: 'Sales' } } });
          assert.deepEqual(person.completion.values, ['David', 'Eve', 'Frank']);
        }
        const tpl = await client.complete({
          ref: { type: 'ref/resource', uri: 'demo://resource/dynamic/text/{resourceId}' },
          argument: { name: 'resourceId', value: '12' },
        });
        assert.deepEqual(tpl.completion.values, ['12']);
      });

      test('ping', async () => {
        assert.deepEqual(await client.ping(), {});
      });

      test('logging/setLevel and resources/subscribe + unsubscribe are accepted', async () => {
        assert.deepEqual(await client.setLoggingLevel('warning'), {});
        const uri = 'demo://resource/static/document/features.md';
        assert.deepEqual(await client.subscribeResource({ uri }), {});
        assert.deepEqual(await client.unsubscribeResource({ uri }), {});
      });

      test('40 concurrent calls across upstreams each get their own result', async () => {
        const calls = [];
        for (let i = 0; i < 40; i++) {
          const up = UPSTREAMS[i % UPSTREAMS.length];
          calls.push(i % 4 === 3
            ? client.callTool({ name: exposed(up, 'get-sum'), arguments: { a: i, b: 1000 } }).then((r) => [textOf(r), new RegExp(`\\b${i + 1000}\\b`)])
            : client.callTool({ name: exposed(up, 'echo'), arguments: { message: `m${i}-${up}` } }).then((r) => [textOf(r), `Echo: m${i}-${up}`]));
        }
        for (const [got, want] of await Promise.all(calls)) {
          if (typeof want === 'string') assert.equal(got, want);
          else assert.match(got, want);
        }
      });
    });
  }
});
