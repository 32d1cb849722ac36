// The accountability report (issue #11) over a scripted life cycle through the real gateway: register and approve →
// calls (workload identity and a task token) → a denied cross-tenant attempt → a token revocation → offboarding of
// the tenant → a refused attempt. The JSON report holds each event with its time, actor and audit seq, and each cited
// seq has an inclusion proof that `bulkhead audit proof` reproduces. A tampered audit log is refused (exit 1, the
// first line says why). The HTML report renders in headless Chromium with JavaScript disabled: not blank, and its
// text holds the owners, the approver and the offboarding timeline.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import {
  BULKHEAD_BIN, GATEWAY, NODE, canConnect, freePort, sleep, startGateway, startProcess, stopProcess,
} from './harness.mjs';
import { mintSvid } from './identity_support.mjs';
import { cli as cliIn, exchange, mcp as mcpAt, reasonOf, toolText, twoTenantSetup } from './control_support.mjs';
import { peersDir } from '../peers/index.mjs';

const A = 'spiffe://acme.test/agent/a';
const G = 'spiffe://globex.test/agent/g';

let dir;
let gw;
let crm;
let keys;
const events = {};  // what the script did, with wall-clock bounds (ms)

const svid = (sub) => mintSvid(keys[new URL(sub).host], { sub });
const mcp = (token, method, params, opts) => mcpAt(gw, token, method, params, opts);
const cli = (args, input) => cliIn(dir, args, input);
const day = (offset) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

function registerToml() {
  return [
    '[[connector]]', 'upstream = "crm"', 'owner_team = "crm-platform"', 'policy_owner = "security-eng"',
    'downstream_owner = "crm-data"', 'approver = "j.doe"', `approved_on = ${day(-30)}`,
    'purpose = "support agents look up their own tenant\'s customers"', `review_by = ${day(180)}`, 'kind = "vendor"',
    '[[connector.tenant]]', 'id = "acme"', `agents = ["${A}"]`, 'purpose = "tier-1 support"',
    '[[connector.tenant]]', 'id = "globex"', 'purpose = "globex support"', '',
  ].join('\n');
}

const POLICIES = [
  '@id("acme-crm")',
  'permit(principal in Tenant::"acme", action, resource in Upstream::"crm");',
  '@id("globex-crm")',
  'permit(principal in Tenant::"globex", action, resource in Upstream::"crm");',
  '',
].join('\n');

// Runs `fn`, noting the wall-clock window it ran in under `name`.
async function step(name, fn) {
  const from = Date.now();
  const value = await fn();
  events[name] = { from, to: Date.now(), value };
  return value;
}

const within = (timeUs, name, slackMs = 1500) => {
  const ms = timeUs / 1000;
  assert.ok(ms >= events[name].from - slackMs && ms <= events[name].to + slackMs,
    `${name}: ${new Date(ms).toISOString()} not within [${new Date(events[name].from).toISOString()}, ${new Date(events[name].to).toISOString()}]`);
};

function report(args, { expectCode = 0 } = {}) {
  const r = cli(['report', ...args]);
  assert.equal(r.code, expectCode, `report ${args.join(' ')}: ${r.err}\n${r.out.slice(0, 2000)}`);
  return r;
}

// `bulkhead audit proof` for a cited record must give the same audit path, tree size and root.
function checkProof(cited, auditDir) {
  assert.ok(cited && Number.isInteger(cited.seq), `a cited record: ${JSON.stringify(cited)}`);
  assert.ok(cited.proof && Number.isInteger(cited.proof.tree_size), `seq ${cited.seq} has a proof`);
  const out = execFileSync(BULKHEAD_BIN, ['audit', 'proof', auditDir, '--seq', String(cited.seq)], { encoding: 'utf8' });
  const proof = JSON.parse(out);
  assert.equal(proof.seq, cited.seq);
  assert.equal(proof.tree_size, cited.proof.tree_size, `seq ${cited.seq}: tree size`);
  assert.deepEqual(proof.audit_path, cited.proof.audit_path, `seq ${cited.seq}: audit path`);
  assert.equal(proof.checkpoint.root_hash, cited.proof.root_hash, `seq ${cited.seq}: root`);
  assert.equal(proof.record.time_us, cited.time_us, `seq ${cited.seq}: time`);
  if (cited.principal) assert.equal(proof.record.principal, cited.principal, `seq ${cited.seq}: principal`);
  assert.ok(cited.proof.reproduce.includes(`--seq ${cited.seq}`));
  return proof;
}

// Average brightness spread of a PNG screenshot (0 = one flat colour): decodes the IDAT stream (8-bit RGB/RGBA).
function pngSpread(file) {
  const png = readFileSync(file);
  assert.equal(png.readUInt32BE(12), 0x49484452, 'IHDR');
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const colorType = png[25];
  const channels = colorType === 6 ? 4 : colorType === 2 ? 3 : 1;
  const chunks = [];
  for (let at = 8; at < png.length;) {
    const len = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    if (type === 'IDAT') chunks.push(png.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(chunks));
  const stride = width * channels;
  const prev = Buffer.alloc(stride);
  const line = Buffer.alloc(stride);
  let distinct = new Set();
  let dark = 0;
  for (let y = 0; y < height; y++) {
    const base = y * (stride + 1);
    const filter = raw[base];
    for (let x = 0; x < stride; x++) {
      const v = raw[base + 1 + x];
      const left = x >= channels ? line[x - channels] : 0;
      const up = prev[x];
      const ul = x >= channels ? prev[x - channels] : 0;
      let out = v;
      if (filter === 1) out = v + left;
      else if (filter === 2) out = v + up;
      else if (filter === 3) out = v + ((left + up) >> 1);
      else if (filter === 4) {
        const p = left + up - ul;
        const pa = Math.abs(p - left); const pb = Math.abs(p - up); const pc = Math.abs(p - ul);
        out = v + (pa <= pb && pa <= pc ? left : pb <= pc ? up : ul);
      }
      line[x] = out & 0xff;
    }
    for (let x = 0; x < width; x += 7) {
      const i = x * channels;
      const lum = (line[i] + line[i + 1 % channels] + line[i + 2 % channels]) / 3;
      distinct.add(line[i] << 16 | line[i + 1] << 8 | line[i + 2]);
      if (lum < 128) dark++;
    }
    line.copy(prev);
  }
  return { width, height, colours: distinct.size, dark };
}

function chromium() {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return null;
}

describe('accountability report', { skip: !GATEWAY }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulkhead-report-'));
    let head;
    ({ keys, head } = await twoTenantSetup(dir));
    const crmPort = await freePort();
    crm = startProcess('mutable-server', NODE, [join(peersDir, 'mutable-server', 'server.mjs'), String(crmPort)]);
    for (let i = 0; i < 100 && !(await canConnect(crmPort)); i++) await sleep(50);
    mkdirSync(join(dir, 'policies'));
    writeFileSync(join(dir, 'policies', 'crm.cedar'), POLICIES);
    const config = [
      ...head,
      '[policy]', 'dir = "policies"', '',
      '[audit]', 'dir = "var/audit"', 'checkpoint_every_ms = 200', '',
      '[[upstream]]', 'name = "crm"', 'transport = "http"', `url = "http://127.0.0.1:${crmPort}/mcp"`,
      'classification = "confidential"', '',
    ].join('\n');
    writeFileSync(join(dir, 'bulkhead.toml'), config);
    gw = await startGateway(config, dir);
  });

  after(async () => {
    if (gw && process.env.E2E_LOGS === '1') process.stderr.write(`--- bulkhead ---\n${gw.proc.output.slice(-8000)}\n`);
    if (gw) await stopProcess(gw.proc);
    if (crm) await stopProcess(crm);
    if (dir && process.env.E2E_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  });

  test('life cycle: approve → calls → cross-tenant attempt → revocation → offboarding → refused attempt', async () => {
    writeFileSync(join(dir, 'register.toml'), registerToml());
    await step('approve', () => {
      const applied = cli(['register', 'apply', join(dir, 'register.toml'), '--reason', 'SEC-42 approval']);
      assert.equal(applied.code, 0, applied.err);
    });
    const a = await svid(A);
    await step('call', async () => {
      assert.equal(toolText(await mcp(a, 'tools/call', { name: 'crm__lookup', arguments: {} })), 'lookup done');
    });
    const issued = await step('token', async () => {
      const res = await exchange(gw, a, { tenant: 'acme', task: 'ticket-7', scope: 'crm__lookup' });
      assert.equal(res.status, 200, res.text);
      assert.equal(toolText(await mcp(res.json.access_token, 'tools/call', { name: 'crm__lookup', arguments: {} })), 'lookup done');
      return res.json.access_token;
    });
    const jti = JSON.parse(Buffer.from(issued.split('.')[1], 'base64url')).jti;
    await step('cross', async () => {
      const res = await mcp(a, 'tools/list', {}, { headers: { 'bulkhead-tenant': 'globex' } });
      assert.equal(res.status, 403, res.text);
      assert.equal(reasonOf(res), 'tenant_not_bound');
    });
    await step('revoke', async () => {
      const r = cli(['token', 'revoke', '--jti', jti]);
      assert.equal(r.code, 0, r.err);
      const res = await mcp(issued, 'tools/list');
      assert.equal(res.status, 401, res.text);
      assert.equal(reasonOf(res), 'token_revoked');
    });
    await step('offboard', async () => {
      const r = cli(['offboard', '--tenant', 'acme', '--reason', 'contract ended']);
      assert.equal(r.code, 0, r.err);
    });
    await step('refused', async () => {
      for (let i = 0; i < 50; i++) {
        const res = await mcp(a, 'tools/call', { name: 'crm__lookup', arguments: {} });
        if (res.status === 403) {
          assert.equal(reasonOf(res), 'tenant_not_bound');
          return;
        }
        await sleep(50);
      }
      assert.fail('the offboarded tenant was not refused');
    });
    // Stop the gateway: a clean stop writes a final checkpoint, so every record is provable.
    await stopProcess(gw.proc);
    gw = null;
    const auditDir = join(dir, 'var', 'audit');

    const r = report(['--all', '--format', 'json']);
    assert.match(r.out.split('\n')[0], /^\{"verdict": "VERIFIED: audit log of \d+ records/);
    const doc = JSON.parse(r.out);
    writeFileSync(join(dir, 'report.json'), r.out);
    assert.equal(doc.format, 'bulkhead-accountability-report');
    assert.equal(doc.audit.verified, true);
    assert.equal(doc.audit.unsigned_records, 0);

    // Control register: owners, approver and date, the version with who/why and its audit record.
    const [crmEntry] = doc.register.connectors;
    assert.equal(crmEntry.upstream, 'crm');
    assert.equal(crmEntry.owner_team, 'crm-platform');
    assert.equal(crmEntry.policy_owner, 'security-eng');
    assert.equal(crmEntry.downstream_owner, 'crm-data');
    assert.equal(crmEntry.approver, 'j.doe');
    assert.equal(crmEntry.approved_on, day(-30));
    assert.equal(crmEntry.review_overdue, false);
    assert.equal(crmEntry.kind, 'vendor');
    assert.ok(crmEntry.shared_responsibility.vendor_attests.length > 0);
    assert.deepEqual(crmEntry.tenants.map((t) => [t.tenant, t.offboarded]), [['acme', true], ['globex', false]]);
    assert.ok(crmEntry.tools.some((t) => t.tool === 'lookup' && t.approved_by === 'first listing after approval'));
    const [version] = doc.register.versions;
    assert.equal(version.reason, 'SEC-42 approval');
    assert.match(version.applied_by, /^cli:/);
    within(Date.parse(version.applied_at) * 1000, 'approve');
    within(version.record.time_us, 'approve', 3000);  // the gateway audits CLI events on its next store poll
    assert.equal(version.record.event, 'register_applied');
    checkProof(version.record, auditDir);

    // Scope enforcement: policies with owners, decisions, the cross-tenant attempt, the task token.
    const se = doc.scope_enforcement;
    assert.deepEqual(se.policies.map((p) => p.id).sort(), ['acme-crm', 'globex-crm']);
    assert.deepEqual(se.policies[0].owners, ['security-eng']);
    assert.ok(se.decisions.allow >= 2, JSON.stringify(se.decisions));
    assert.ok(se.decisions.deny >= 3, JSON.stringify(se.decisions));
    assert.ok(se.decisions.deny_by_reason.some((d) => d.reason === 'tenant_not_bound'));
    assert.ok(se.decisions.by_tool.some((t) => t.tool === 'crm__lookup' && t.allow >= 2));
    assert.equal(se.cross_tenant_denials.count, 1);
    const cross = se.cross_tenant_denials.records[0];
    assert.equal(cross.principal, A);
    assert.equal(cross.target_tenant, 'globex');
    assert.equal(cross.reason, 'tenant_not_bound');
    within(cross.time_us, 'cross');
    checkProof(cross, auditDir);
    const token = se.task_tokens.tokens.find((t) => t.jti === jti);
    assert.ok(token, 'the task token is listed');
    assert.equal(token.scope, 'crm__lookup');
    assert.equal(token.tenant, 'acme');
    assert.equal(token.task, 'ticket-7');
    assert.equal(token.revoked, true);
    assert.ok(token.lifetime_seconds > 0 && token.lifetime_seconds <= 900);
    within(token.record.time_us, 'token');
    assert.equal(token.record.principal, A);
    checkProof(token.record, auditDir);
    const revocation = se.revocations.find((x) => x.kind === 'jti' && x.value === jti);
    assert.ok(revocation, 'the revocation is listed');
    assert.match(revocation.actor, /^cli:/);
    within(Date.parse(revocation.revoked_at) * 1000, 'revoke');
    assert.equal(revocation.record.event, 'token_revoke');
    checkProof(revocation.record, auditDir);

    // Data access: acme's call to a confidential tool.
    const acme = doc.data_access.tenants.find((t) => t.tenant === 'acme');
    assert.ok(acme.by_tool.some((t) => t.tool === 'crm__lookup' && t.classification === 'confidential'));

    // Offboarding: who, why, when, what it did, and the refused attempt with its proof.
    const [off] = doc.offboarding;
    assert.equal(off.kind, 'tenant');
    assert.equal(off.value, 'acme');
    assert.equal(off.reason, 'contract ended');
    assert.match(off.actor, /^cli:/);
    within(Date.parse(off.at) * 1000, 'offboard');
    assert.ok(off.applied_at, 'applied by the gateway');
    assert.ok(off.timeline.length >= 3);
    for (let i = 1; i < off.timeline.length; i++) assert.ok(off.timeline[i].time_us >= off.timeline[i - 1].time_us);
    const recorded = off.timeline.find((s) => s.record?.event === 'offboarded');
    assert.ok(recorded, 'the offboarding is in the audit log');
    checkProof(recorded.record, auditDir);
    const applied = off.timeline.find((s) => s.record?.event === 'offboarding_applied');
    assert.ok(applied, 'its application is in the audit log');
    checkProof(applied.record, auditDir);
    assert.ok(off.refused_after.count >= 1);
    const refused = off.refused_after.records[0];
    assert.equal(refused.principal, A);
    assert.equal(refused.reason, 'tenant_not_bound');
    within(refused.time_us, 'refused');
    checkProof(refused, auditDir);

    // Framework mapping: statuses computed from this evidence.
    const status = Object.fromEntries(doc.frameworks.map((c) => [c.id, c.status]));
    assert.equal(status.inventory, 'met');
    assert.equal(status.offboarding, 'met');
    assert.equal(status.audit_trail, 'met');
    assert.equal(status.task_tokens, 'met');
    assert.equal(status.shared_responsibility, 'met');
    assert.equal(status.dlp, 'gap');
    assert.ok(doc.frameworks.find((c) => c.id === 'offboarding').nist_ai_rmf.includes('MANAGE 2.4'));

    // Scoped reports: globex's report does not show acme's token or offboarding, but the attempt on globex.
    const globex = JSON.parse(report(['--tenant', 'globex', '--format', 'json']).out);
    assert.equal(globex.offboarding.length, 0);
    assert.ok(!globex.scope_enforcement.task_tokens.tokens.some((t) => t.jti === jti));
    assert.equal(globex.scope_enforcement.cross_tenant_denials.count, 1);
    const crmOnly = JSON.parse(report(['--connector', 'crm', '--format', 'json']).out);
    assert.equal(crmOnly.register.connectors.length, 1);
    // --scan: client configurations in scope are scanned and mapped.
    writeFileSync(join(dir, 'mcp.json'), JSON.stringify({ mcpServers: { gh: { command: 'npx', args: ['-y', 'some-server'] } } }));
    const scanned = JSON.parse(report(['--all', '--format', 'json', '--scan', join(dir, 'mcp.json')]).out);
    assert.ok(scanned.scan.findings >= 1, JSON.stringify(scanned.scan));
    assert.equal(scanned.frameworks.find((c) => c.id === 'client_config_scan').status, 'gap');
    // A period before anything happened has no decisions.
    const empty = JSON.parse(report(['--all', '--until', '2020-01-01T00:00:00Z', '--format', 'json']).out);
    assert.equal(empty.scope_enforcement.decisions.allow + empty.scope_enforcement.decisions.deny, 0);
  });

  test('a tampered audit log is refused: exit 1, the first line says why', () => {
    const auditDir = join(dir, 'var', 'audit');
    const tampered = join(dir, 'tampered-audit');
    cpSync(auditDir, tampered, { recursive: true });
    const segment = readdirSync(tampered).filter((f) => f.startsWith('segment-')).sort()[0];
    const file = join(tampered, segment);
    const bytes = readFileSync(file);
    // A byte inside the first record's body (segment header 28 bytes, frame header 8; docs/formats/audit.md): a
    // record the signed checkpoints cover. (A byte of the last frame could read as a live log's torn tail, which a
    // non-strict report accepts, so the middle of the file is not a deterministic choice.)
    const at = 28 + 8 + 12;
    assert.ok(bytes.readUInt32LE(28) > 12, 'the first frame is longer than the offset');
    bytes[at] ^= 0x01;
    writeFileSync(file, bytes);
    for (const format of ['md', 'json', 'html']) {
      const r = report(['--all', '--audit-dir', tampered, '--format', format], { expectCode: 1 });
      const first = r.out.split('\n')[0];
      assert.match(first, /REPORT REFUSED: the audit log .* does not verify: (crc_mismatch|bad_frame|truncated_frame|chain_broken|bad_payload)/, `${format}: ${first}`);
      assert.match(r.err, /REPORT REFUSED/);
    }
  });

  test('the HTML report renders in headless Chromium without JavaScript', { skip: !chromium() && 'chromium not installed' }, () => {
    const html = join(dir, 'report.html');
    report(['--all', '--format', 'html', '--out', html]);
    const text = readFileSync(html, 'utf8');
    assert.ok(!/<script/i.test(text), 'no script');
    assert.ok(!/(src|href)\s*=\s*["']?(https?:)?\/\//i.test(text), 'no external resource');
    assert.match(text, /<svg/);
    const browser = chromium();
    const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-javascript', '--no-first-run',
      '--disable-extensions', `--user-data-dir=${join(dir, 'chromium-profile')}`];
    const dom = spawnSync(browser, [...flags, '--dump-dom', `file://${html}`], { encoding: 'utf8', timeout: 60000 });
    assert.equal(dom.status, 0, dom.stderr);
    for (const expected of ['crm-platform', 'security-eng', 'crm-data', 'j.doe', 'contract ended', 'Offboarding',
      'offboarding of tenant acme recorded', 'applied by the gateway']) {
      assert.ok(dom.stdout.includes(expected), `the rendered DOM holds "${expected}"`);
    }
    const png = join(dir, 'report.png');
    const shot = spawnSync(browser, [...flags, `--screenshot=${png}`, '--window-size=1200,1600', `file://${html}`],
      { encoding: 'utf8', timeout: 60000 });
    assert.equal(shot.status, 0, shot.stderr);
    assert.ok(existsSync(png) && statSync(png).size > 5000, 'a screenshot was written');
    const { colours, dark } = pngSpread(png);
    assert.ok(colours > 8 && dark > 50, `the screenshot is not blank (${colours} colours, ${dark} dark samples)`);
  });
});
