#!/usr/bin/env node
// Conformance runner: MCP server scenarios against Bulkhead (or against the fixture directly).
//
//  1. starts the conformance fixture server (test/peers/conformance-server/server.mjs) on 127.0.0.1;
//  2. starts `bulkhead serve` fronting it (one http upstream, prefix "", the fixture in --legacy-only mode so
//     2026-07-28 requests must be bridged to 2025-11-25), unless the binary is missing, --direct is given or
//     CONFORMANCE_DIRECT=1 (then the scenarios run against the fixture itself, which serves both eras);
//  3. runs every server scenario of @modelcontextprotocol/conformance (suite "all") once per protocol
//     version the tool knows (2025-06-18, 2025-11-25), plus the 2026-07-28 suite
//     (test/peers/conformance-server/modern-suite.mjs), because the tool has no 2026-07-28 scenarios;
//  4. prints pass counts per protocol version, writes them (and every failing check) to a JSON file, and
//     exits 1 only if a count falls below the floor recorded in expected.json for that target.
//
// The conformance tool's client always offers 2025-11-25 in `initialize`; for the 2025-06-18 run the
// scenarios go through a small pinning proxy that rewrites the offered version to 2025-06-18, so the server
// really negotiates 2025-06-18 (the client then sends `MCP-Protocol-Version: 2025-06-18`).
//
// Usage: node test/conformance/run.mjs [--bulkhead PATH] [--direct] [--both] [--out FILE] [--expected FILE]
//                                      [--upstream http|stdio] [--versions 2025-06-18,2025-11-25,2026-07-28] [--keep]
// --upstream stdio: the gateway spawns the fixture itself over stdio (target name "gateway-stdio").
// Everything listens on 127.0.0.1 only. Needs Node >= 22 for the conformance tool: if started with an older
// node, the runner re-executes itself with test/peers/node_modules/.bin/node.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const peers = path.join(repo, 'test/peers');
const node22 = path.join(peers, 'node_modules/.bin/node');

if (Number(process.versions.node.split('.')[0]) < 22) {
    if (!fs.existsSync(node22)) {
        console.error(`conformance: Node >= 22 needed and ${node22} is missing (run scripts/install-deps.sh)`);
        process.exit(2);
    }
    const r = spawnSync(node22, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
}

const args = process.argv.slice(2);
const flag = name => args.includes(name);
const opt = (name, def) => {
    const i = args.indexOf(name);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const bulkheadBin = path.resolve(opt('--bulkhead', process.env.BULKHEAD_BIN ?? path.join(repo, 'build/bin/bulkhead')));
const expectedFile = opt('--expected', path.join(here, 'expected.json'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bulkhead-conformance-'));
const outFile = opt('--out', path.join(work, 'results.json'));
const TOOL_VERSIONS = ['2025-06-18', '2025-11-25'];
const MODERN = '2026-07-28';
const versions = opt('--versions', [...TOOL_VERSIONS, MODERN].join(',')).split(',');
const directForced = flag('--direct') || process.env.CONFORMANCE_DIRECT === '1';
const haveBinary = fs.existsSync(bulkheadBin);
const upstreamKind = opt('--upstream', 'http');
if (!['http', 'stdio'].includes(upstreamKind)) {
    console.error(`conformance: --upstream must be http or stdio`);
    process.exit(2);
}
const gatewayTarget = upstreamKind === 'stdio' ? 'gateway-stdio' : 'gateway';
const targets = flag('--both') ? ['direct', gatewayTarget] : [directForced || !haveBinary ? 'direct' : gatewayTarget];
if (targets.includes(gatewayTarget) && !haveBinary) {
    console.error(`conformance: --both needs the gateway binary, ${bulkheadBin} does not exist`);
    process.exit(2);
}
if (!directForced && !haveBinary && !flag('--both')) console.log(`conformance: ${bulkheadBin} not found, running the scenarios against the fixture directly`);

const children = [];
function start(cmd, argv, logName) {
    const log = fs.openSync(path.join(work, logName), 'w');
    const child = spawn(cmd, argv, { cwd: work, stdio: ['ignore', log, log], env: { ...process.env } });
    child.on('error', e => fs.appendFileSync(path.join(work, logName), `\nconformance runner: cannot start ${cmd}: ${e.message}\n`));
    children.push(child);
    return child;
}
async function stop(child) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const exited = await Promise.race([new Promise(r => child.once('exit', () => r(true))), new Promise(r => setTimeout(() => r(false), 5000))]);
    if (!exited) child.kill('SIGKILL');
}
async function waitForFile(file, child, what, timeoutMs = 30000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (fs.existsSync(file)) {
            try {
                return JSON.parse(fs.readFileSync(file, 'utf8'));
            } catch {
                /* partially written; retry */
            }
        }
        if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before it was ready`);
        await new Promise(r => setTimeout(r, 100));
    }
    throw new Error(`${what} not ready after ${timeoutMs} ms`);
}

/** Proxy that rewrites the protocol version offered in `initialize` (everything else streams through untouched). */
async function startPinningProxy(targetUrl, version) {
    const target = new URL(targetUrl);
    const server = http.createServer((req, res) => {
        const chunks = [];
        req.on('data', c => chunks.push(c));
        req.on('end', () => {
            let body = Buffer.concat(chunks);
            try {
                const msg = JSON.parse(body.toString('utf8'));
                if (msg && msg.method === 'initialize' && msg.params && typeof msg.params.protocolVersion === 'string') {
                    msg.params.protocolVersion = version;
                    body = Buffer.from(JSON.stringify(msg));
                }
            } catch {
                /* not JSON: forward as is */
            }
            const headers = { ...req.headers };
            if (body.length > 0 || headers['content-length'] !== undefined) headers['content-length'] = String(body.length);
            const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers }, upRes => {
                res.writeHead(upRes.statusCode ?? 502, upRes.headers);
                upRes.pipe(res);
            });
            up.on('error', () => {
                if (!res.headersSent) res.writeHead(502);
                res.end();
            });
            res.on('close', () => up.destroy());
            up.end(body);
        });
    });
    await new Promise(r => server.listen(0, '127.0.0.1', r));
    return { url: `http://127.0.0.1:${server.address().port}${target.pathname}`, close: () => (server.closeAllConnections?.(), server.close()) };
}

/** Runs the conformance tool (suite all) for one spec version; returns [{scenario, checks}]. */
async function runTool(url, version, outDir, scenario) {
    const cli = path.join(peers, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
    const which = scenario ? ['--scenario', scenario] : ['--suite', 'all', '--spec-version', version];
    const child = spawn(node22, [cli, 'server', '--url', url, ...which, '-o', outDir], {
        cwd: work,
        stdio: ['ignore', 'pipe', 'pipe']
    });
    children.push(child);
    let output = '';
    child.stdout.on('data', d => (output += d));
    child.stderr.on('data', d => (output += d));
    const timedOut = await Promise.race([
        new Promise(r => child.once('exit', () => r(false))),
        new Promise(r => setTimeout(() => r(true), 240000))
    ]);
    if (timedOut) await stop(child);
    fs.appendFileSync(path.join(work, `conformance-${version}.log`), output);
    const results = [];
    for (const dir of fs.existsSync(outDir) ? fs.readdirSync(outDir).sort() : []) {
        const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(dir);
        const file = path.join(outDir, dir, 'checks.json');
        if (!m || !fs.existsSync(file)) continue;
        results.push({ scenario: m[1], checks: JSON.parse(fs.readFileSync(file, 'utf8')) });
    }
    // Scenarios the tool started but never saved (hung or crashed) count as failures.
    const started = [...output.matchAll(/=== Running scenario: (\S+) ===/g)].map(x => x[1]);
    for (const s of started) {
        if (!results.some(r => r.scenario === s)) {
            results.push({ scenario: s, checks: [{ id: s, status: 'FAILURE', errorMessage: timedOut ? 'conformance run timed out' : 'no results saved' }] });
        }
    }
    return results;
}

function summarize(results) {
    const s = { scenarios_total: 0, scenarios_passed: 0, checks_passed: 0, checks_failed: 0, warnings: 0, failures: [] };
    for (const { scenario, checks } of results) {
        s.scenarios_total++;
        let failed = 0;
        for (const c of checks) {
            if (c.status === 'SUCCESS') s.checks_passed++;
            else if (c.status === 'FAILURE') {
                s.checks_failed++;
                failed++;
                s.failures.push({ scenario, check: c.id, message: (c.errorMessage ?? '').slice(0, 500) });
            } else if (c.status === 'WARNING') s.warnings++;
        }
        if (failed === 0) s.scenarios_passed++;
    }
    return s;
}

async function freePort() {
    const srv = http.createServer();
    await new Promise(r => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address();
    await new Promise(r => srv.close(r));
    return port;
}

/** The gateway under test, on a fixed port so it can be restarted after a crash without changing the URL. */
class GatewayProcess {
    constructor(upstreamLines) {
        this.upstreamLines = upstreamLines;
        this.starts = 0;
        this.crashes = [];
    }
    async init() {
        this.port = await freePort();
        this.cfg = path.join(work, 'bulkhead.toml');
        fs.writeFileSync(
            this.cfg,
            [
                '[server]',
                `listen = "127.0.0.1:${this.port}"`,
                'request_timeout_ms = 30000',
                '[auth]',
                'mode = "none"',
                '[[upstream]]',
                'name = "conformance"',
                ...this.upstreamLines,
                'prefix = ""',
                ''
            ].join('\n')
        );
        await this.ensure();
        return this.url;
    }
    alive() {
        return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
    }
    /** Describes how the last process ended, once it has. */
    death() {
        if (!this.child || this.alive()) return undefined;
        return `${this.child.signalCode ?? `exit code ${this.child.exitCode}`} (log: ${this.log})`;
    }
    async ensure() {
        if (this.alive()) return;
        this.starts++;
        this.log = `bulkhead-${this.starts}.log`;
        const ready = path.join(work, `bulkhead-ready-${this.starts}.json`);
        this.child = start(bulkheadBin, ['serve', '--config', this.cfg, '--ready-file', ready], this.log);
        const info = await waitForFile(ready, this.child, 'bulkhead');
        this.url = info.url;
    }
    async stop() {
        if (this.child) await stop(this.child);
    }
}

// After a gateway crash at most this many failing scenarios per version are re-run one by one (keeps a badly
// broken build's run short; the first crashes are the informative ones).
const MAX_RERUNS = 8;

const crashCheck = (scenario, death) => ({
    id: `${scenario}/gateway-crash`,
    status: 'FAILURE',
    errorMessage: `the gateway died during this scenario: ${death}`
});

async function runTarget(target) {
    // Through the gateway the fixture runs --legacy-only (a 2025-11-25-only upstream, like server-everything), so
    // the 2026-07-28 suite exercises the gateway's 2026 -> 2025 bridge; directly it serves both eras itself.
    const fixtureScript = path.join(peers, 'conformance-server/server.mjs');
    let fixture;
    let fixtureUrl = 'stdio';
    if (target !== 'gateway-stdio') {
        const fixtureReady = path.join(work, `fixture-${target}-ready.json`);
        const fixtureArgs = [fixtureScript, '--port', '0', '--ready-file', fixtureReady];
        if (target === 'gateway') fixtureArgs.push('--legacy-only');
        fixture = start(node22, fixtureArgs, `fixture-${target}.log`);
        fixtureUrl = (await waitForFile(fixtureReady, fixture, 'conformance fixture')).url;
    }
    let url = fixtureUrl;
    let gw;
    if (target !== 'direct') {
        gw = new GatewayProcess(
            target === 'gateway-stdio'
                ? ['transport = "stdio"', `command = ${JSON.stringify(node22)}`, `args = [${JSON.stringify(fixtureScript)}, "--stdio"]`]
                : ['transport = "http"', `url = "${fixtureUrl}"`]
        );
        url = await gw.init();
    }
    const perVersion = {};
    try {
        for (const v of versions) {
            let results = [];
            if (v === MODERN) {
                // One scenario at a time, so a gateway crash is pinned on the scenario that caused it.
                const { runModernSuite, MODERN_SCENARIOS } = await import(pathToFileURL(path.join(peers, 'conformance-server/modern-suite.mjs')).href);
                for (const name of Object.keys(MODERN_SCENARIOS)) {
                    await gw?.ensure();
                    const [r] = await runModernSuite(url, { only: [name] });
                    await new Promise(res => setTimeout(res, 50));
                    if (gw && !gw.alive()) r.checks.push(crashCheck(name, gw.death()));
                    results.push(r);
                }
            } else {
                const proxy = v === '2025-11-25' ? undefined : await startPinningProxy(url, v);
                const outDir = path.join(work, `out-${target}-${v}`);
                try {
                    const startsBefore = gw?.starts;
                    results = await runTool(proxy ? proxy.url : url, v, outDir);
                    if (gw && (!gw.alive() || gw.starts !== startsBefore)) {
                        // The gateway died somewhere in the run: re-run each failed scenario on its own (restarting
                        // the gateway as needed) so every failure is attributed to the scenario that caused it.
                        let reruns = 0;
                        for (const r of results) {
                            if (!r.checks.some(c => c.status === 'FAILURE')) continue;
                            if (++reruns > MAX_RERUNS) {
                                r.checks.push({ id: `${r.scenario}/not-rerun`, status: 'INFO', errorMessage: `more than ${MAX_RERUNS} failing scenarios after a gateway crash; not re-run individually` });
                                continue;
                            }
                            await gw.ensure();
                            const again = await runTool(proxy ? proxy.url : url, v, path.join(outDir, `rerun-${r.scenario}`), r.scenario);
                            await new Promise(res => setTimeout(res, 50));
                            const rr = again.find(x => x.scenario === r.scenario) ?? { scenario: r.scenario, checks: [] };
                            if (!gw.alive()) rr.checks.push(crashCheck(r.scenario, gw.death()));
                            r.checks = rr.checks.length ? rr.checks : r.checks;
                        }
                    }
                } finally {
                    proxy?.close();
                }
            }
            perVersion[v] = { ...summarize(results), scenarios: results.map(r => ({ scenario: r.scenario, ok: !r.checks.some(c => c.status === 'FAILURE') })) };
        }
    } finally {
        await gw?.stop();
        if (fixture) await stop(fixture);
    }
    return { url, upstream: fixtureUrl, gateway_starts: gw?.starts, perVersion };
}

let exitCode = 0;
const report = { generated: new Date().toISOString(), work, targets: {} };
try {
    for (const t of targets) report.targets[t] = await runTarget(t);
} catch (e) {
    console.error(`conformance: ${e.message} (logs in ${work})`);
    exitCode = 1;
} finally {
    for (const c of children) await stop(c);
}

const expected = fs.existsSync(expectedFile) ? JSON.parse(fs.readFileSync(expectedFile, 'utf8')) : {};
const rows = [];
for (const [t, { perVersion }] of Object.entries(report.targets)) {
    for (const [v, s] of Object.entries(perVersion)) {
        const floor = expected[t]?.[v] ?? {};
        const below = ['scenarios_passed', 'checks_passed'].filter(k => floor[k] !== undefined && s[k] < floor[k]);
        if (below.length) exitCode = 1;
        rows.push([t, v, `${s.scenarios_passed}/${s.scenarios_total}`, String(s.checks_passed), String(s.checks_failed), String(s.warnings),
            floor.checks_passed !== undefined ? `${floor.scenarios_passed ?? '-'}/${floor.checks_passed}` : '-', below.length ? 'BELOW FLOOR' : 'ok']);
    }
}
const head = ['target', 'version', 'scenarios', 'checks ok', 'failed', 'warn', 'floor (sc/ck)', 'status'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
const line = r => r.map((c, i) => c.padEnd(widths[i])).join('  ');
console.log('\n' + line(head));
for (const r of rows) console.log(line(r));
for (const [t, { perVersion }] of Object.entries(report.targets)) {
    for (const [v, s] of Object.entries(perVersion)) {
        for (const f of s.failures) console.log(`  FAIL [${t} ${v}] ${f.check === f.scenario ? f.scenario : `${f.scenario} / ${f.check}`}: ${f.message.split("\n")[0].slice(0, 200)}`);
    }
}
fs.mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
fs.writeFileSync(outFile, JSON.stringify(report, null, 2));
console.log(`\nresults: ${outFile}${exitCode ? '  (FAILED)' : ''}`);
if (!flag('--keep') && exitCode === 0) fs.rmSync(work, { recursive: true, force: true, maxRetries: 3 });
else console.log(`work dir kept: ${work}`);
process.exit(exitCode);
