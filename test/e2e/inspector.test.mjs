// The official MCP Inspector CLI (@modelcontextprotocol/inspector-cli) against the gateway over Streamable HTTP.
// Its CLI entry is build/index.js (what `mcp-inspector-cli --cli` spawns); it reads its own package.json through a
// path relative to the working directory, so it runs with cwd = its build/ directory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { GATEWAY, NODE, inspectorCliEntry, startEnv } from './harness.mjs';

const exposed = (name, up = 'everything') => (GATEWAY ? `${up}__${name}` : name);

function inspector(args) {
  return new Promise((resolve) => {
    execFile(NODE, [inspectorCliEntry, ...args], { cwd: dirname(inspectorCliEntry), timeout: 30000, maxBuffer: 8 << 20 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
  });
}

async function inspectorJson(args) {
  const r = await inspector(['--transport', 'http', ...args]);
  assert.equal(r.code, 0, `inspector exit ${r.code}: ${r.stderr}\n${r.stdout}`);
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`inspector output is not JSON: ${r.stdout.slice(0, 500)}\n${r.stderr}`);
  }
}

describe('e2e inspector-cli', () => {
  let env;
  before(async () => { env = await startEnv(); });
  after(async () => { await env?.close(); });

  test('inspector --method tools/list', async () => {
    const out = await inspectorJson([env.url, '--method', 'tools/list']);
    const names = out.tools.map((t) => t.name);
    assert.ok(names.includes(exposed('echo')), names.join(','));
    if (GATEWAY) assert.ok(names.includes('local__echo'), names.join(','));
  });

  for (const up of GATEWAY ? ['everything', 'local'] : ['everything']) {
    test(`inspector --method tools/call ${exposed('echo', up)}`, async () => {
      const out = await inspectorJson([env.url, '--method', 'tools/call', '--tool-name', exposed('echo', up), '--tool-arg', 'message=from inspector']);
      assert.equal(out.isError ?? false, false, JSON.stringify(out));
      assert.equal(out.content[0].text, 'Echo: from inspector');
    });
  }

  test('inspector --method tools/call with numeric arguments', async () => {
    const out = await inspectorJson([env.url, '--method', 'tools/call', '--tool-name', exposed('get-sum'), '--tool-arg', 'a=5', 'b=37']);
    assert.match(out.content[0].text, /\b42\b/);
  });

  test('inspector --method resources/read and prompts/get', async () => {
    const res = await inspectorJson([env.url, '--method', 'resources/read', '--uri', 'demo://resource/dynamic/text/2']);
    assert.match(res.contents[0].text, /^Resource 2: This is a plaintext resource/);
    const p = await inspectorJson([env.url, '--method', 'prompts/get', '--prompt-name', exposed('args-prompt', GATEWAY ? 'local' : 'everything'), '--prompt-args', 'city=Lima']);
    assert.equal(p.messages[0].content.text, "What's weather in Lima?");
  });

  test('inspector --method tools/call of an unknown tool reports an error', async () => {
    const r = await inspector(['--transport', 'http', env.url, '--method', 'tools/call', '--tool-name', exposed('no-such-tool')]);
    const failed = r.code !== 0 || /"isError": true/.test(r.stdout);
    assert.ok(failed, `unknown tool did not fail: ${r.stdout}`);
    assert.match(r.stdout + r.stderr, /-32602|not found|unknown/i);
  });
});
