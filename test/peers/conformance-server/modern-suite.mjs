// 2026-07-28 server checks. @modelcontextprotocol/conformance 0.1.16 has no scenarios for protocol revision
// 2026-07-28, so this suite re-runs the same server scenarios (same tool/prompt/resource names and expected
// payloads) with the real v2 client (@modelcontextprotocol/client, versionNegotiation pinned to 2026-07-28),
// plus raw-HTTP checks of the 2026-07-28 transport rules (headers, envelope, error codes; see
// docs/protocol-2026-07-28.md). Each scenario yields checks shaped like the conformance tool's checks.json
// ({id, status: SUCCESS|FAILURE, errorMessage?}).
//
// Usage: node modern-suite.mjs URL [--out checks.json]   (prints a summary; exit 0 unless it crashed)
import fs from 'node:fs';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export const MODERN_VERSION = '2026-07-28';
const ENVELOPE = {
    'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
    'io.modelcontextprotocol/clientInfo': { name: 'bulkhead-modern-suite', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': {}
};

async function connect(url, capabilities = {}) {
    const client = new Client(
        { name: 'bulkhead-modern-suite', version: '1.0.0' },
        { versionNegotiation: { mode: { pin: MODERN_VERSION } }, capabilities }
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    return client;
}

/** Raw POST of one JSON-RPC message with the 2026 standard headers (overridable). */
async function post(url, body, headers = {}) {
    const h = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': MODERN_VERSION,
        ...(body && !Array.isArray(body) && body.method ? { 'mcp-method': body.method } : {}),
        ...headers
    };
    for (const [k, v] of Object.entries(h)) if (v === undefined) delete h[k];
    const res = await fetch(url, { method: 'POST', headers: h, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await res.text();
    let json;
    const ct = res.headers.get('content-type') ?? '';
    try {
        if (ct.includes('text/event-stream')) {
            const datas = text.split('\n').filter(l => l.startsWith('data:')).map(l => l.slice(5).trim()).filter(Boolean);
            json = datas.map(d => JSON.parse(d)).find(m => 'result' in m || 'error' in m);
        } else if (text) json = JSON.parse(text);
    } catch {
        json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
}

const req = (id, method, params = {}) => ({ jsonrpc: '2.0', id, method, params: { ...params, _meta: { ...ENVELOPE, ...(params._meta ?? {}) } } });

/** scenario name -> async (url) => string[] of problems (empty = pass). */
export const MODERN_SCENARIOS = {
    'modern-server-discover': async url => {
        const p = [];
        const r = await post(url, req('d1', 'server/discover'));
        const res = r.json?.result;
        if (r.status !== 200 || !res) return [`server/discover: HTTP ${r.status} ${r.text.slice(0, 200)}`];
        if (!Array.isArray(res.supportedVersions) || !res.supportedVersions.includes(MODERN_VERSION)) p.push(`supportedVersions lacks ${MODERN_VERSION}: ${JSON.stringify(res.supportedVersions)}`);
        if (typeof res.capabilities !== 'object' || res.capabilities === null) p.push('missing capabilities');
        if (res.capabilities?.tasks !== undefined) p.push('capabilities.tasks must not appear on 2026-07-28');
        if (res.resultType !== 'complete') p.push(`resultType is ${JSON.stringify(res.resultType)}, expected "complete"`);
        if (r.headers.get('mcp-session-id')) p.push('response carries Mcp-Session-Id');
        const client = await connect(url).catch(e => (p.push(`v2 client (pinned 2026-07-28) failed to connect: ${e.message}`), undefined));
        if (client) {
            const v = client.getNegotiatedProtocolVersion?.();
            if (v !== undefined && v !== MODERN_VERSION) p.push(`client negotiated ${v}`);
            await client.close();
        }
        return p;
    },
    'modern-tools-list': async url => {
        const p = [];
        const r = await post(url, req(1, 'tools/list'));
        const res = r.json?.result;
        if (!res) return [`tools/list: HTTP ${r.status} ${r.text.slice(0, 200)}`];
        if (res.resultType !== 'complete') p.push(`resultType is ${JSON.stringify(res.resultType)}`);
        if (!Number.isInteger(res.ttlMs) || res.ttlMs < 0) p.push(`ttlMs missing/invalid: ${JSON.stringify(res.ttlMs)}`);
        if (res.cacheScope !== 'public' && res.cacheScope !== 'private') p.push(`cacheScope missing/invalid: ${JSON.stringify(res.cacheScope)}`);
        for (const t of res.tools ?? []) {
            if (!t.name || !t.description || !t.inputSchema) p.push(`tool ${t.name}: missing name/description/inputSchema`);
            if (t.execution !== undefined) p.push(`tool ${t.name}: carries 2025-only "execution"`);
        }
        if (!Array.isArray(res.tools) || res.tools.length === 0) p.push('no tools');
        const client = await connect(url);
        try {
            const { tools } = await client.listTools();
            if (!tools.some(t => t.name === 'test_simple_text')) p.push('v2 client: test_simple_text not listed');
        } catch (e) {
            p.push(`v2 client listTools failed: ${e.message}`);
        }
        await client.close();
        return p;
    },
    'modern-tools-call-content': async url => {
        const out = {};
        const client = await connect(url);
        const expect = {
            test_simple_text: c => c.some(x => x.type === 'text' && x.text),
            test_image_content: c => c.some(x => x.type === 'image' && x.data && x.mimeType),
            test_audio_content: c => c.some(x => x.type === 'audio' && x.data && x.mimeType === 'audio/wav'),
            test_embedded_resource: c => c.some(x => x.type === 'resource' && x.resource?.uri && (x.resource.text || x.resource.blob)),
            test_multiple_content_types: c => ['text', 'image', 'resource'].every(t => c.some(x => x.type === t))
        };
        for (const [name, ok] of Object.entries(expect)) {
            try {
                const r = await client.callTool({ name, arguments: {} });
                out[name] = Array.isArray(r.content) && ok(r.content) ? [] : [`unexpected content ${JSON.stringify(r.content).slice(0, 200)}`];
            } catch (e) {
                out[name] = [e.message];
            }
        }
        await client.close();
        const raw = await post(url, req(9, 'tools/call', { name: 'test_simple_text', arguments: {} }), { 'mcp-name': 'test_simple_text' });
        out['result-type-complete'] = raw.json?.result?.resultType === 'complete' ? [] : [`raw tools/call result lacks resultType "complete": ${raw.text.slice(0, 200)}`];
        return out;
    },
    'modern-tools-call-error': async url => {
        const client = await connect(url);
        try {
            const r = await client.callTool({ name: 'test_error_handling', arguments: {} });
            return r.isError === true && r.content?.[0]?.text ? [] : [`expected isError result, got ${JSON.stringify(r).slice(0, 200)}`];
        } catch (e) {
            return [`tools/call failed: ${e.message}`];
        } finally {
            await client.close();
        }
    },
    'modern-tools-call-with-progress': async url => {
        const client = await connect(url);
        const seen = [];
        try {
            await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, { onprogress: n => seen.push(n.progress) });
            if (seen.length < 3) return [`expected 3 progress notifications, got ${seen.length} (${JSON.stringify(seen)})`];
            for (let i = 1; i < seen.length; i++) if (seen[i] < seen[i - 1]) return [`progress not increasing: ${JSON.stringify(seen)}`];
            return [];
        } catch (e) {
            return [`tools/call failed: ${e.message}`];
        } finally {
            await client.close();
        }
    },
    'modern-tools-call-with-logging': async url => {
        // logging/setLevel is gone on 2026-07-28: the request opts in with the logLevel envelope key.
        const r = await post(
            url,
            req(11, 'tools/call', { name: 'test_tool_with_logging', arguments: {}, _meta: { 'io.modelcontextprotocol/logLevel': 'debug' } }),
            { 'mcp-name': 'test_tool_with_logging' }
        );
        const logs = r.text.split('\n').filter(l => l.startsWith('data:') && l.includes('notifications/message'));
        const p = [];
        if (!r.json?.result) p.push(`no result: HTTP ${r.status} ${r.text.slice(0, 200)}`);
        if (logs.length < 3) p.push(`expected >= 3 notifications/message on the response stream, got ${logs.length}`);
        return p;
    },
    'modern-tools-call-elicitation': async url => {
        const client = await connect(url, { elicitation: { form: {} } });
        let asked = false;
        client.setRequestHandler('elicitation/create', async () => {
            asked = true;
            return { action: 'accept', content: { username: 'testuser', email: 'test@example.com' } };
        });
        try {
            const r = await client.callTool({ name: 'test_elicitation', arguments: { message: 'Please provide your information' } });
            const p = [];
            if (!asked) p.push('client was never asked (no input_required round)');
            if (!r.content?.[0]?.text?.includes('testuser')) p.push(`result does not reflect the answer: ${JSON.stringify(r.content).slice(0, 200)}`);
            return p;
        } catch (e) {
            return [`tools/call failed: ${e.message}`];
        } finally {
            await client.close();
        }
    },
    'modern-tools-call-sampling': async url => {
        const client = await connect(url, { sampling: {} });
        let asked = false;
        client.setRequestHandler('sampling/createMessage', async () => {
            asked = true;
            return { role: 'assistant', content: { type: 'text', text: 'sampled-answer' }, model: 'test-model', stopReason: 'endTurn' };
        });
        try {
            const r = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'Test prompt for sampling' } });
            const p = [];
            if (!asked) p.push('client was never asked (no input_required round)');
            if (!r.content?.[0]?.text?.includes('sampled-answer')) p.push(`result does not reflect the answer: ${JSON.stringify(r.content).slice(0, 200)}`);
            return p;
        } catch (e) {
            return [`tools/call failed: ${e.message}`];
        } finally {
            await client.close();
        }
    },
    'modern-input-required-wire': async url => {
        // The raw round trip: first answer must be resultType input_required with an elicitation/create inputRequest.
        const caps = { ...ENVELOPE['io.modelcontextprotocol/clientCapabilities'], elicitation: { form: {} } };
        const body = req(12, 'tools/call', { name: 'test_elicitation', arguments: { message: 'hi' }, _meta: { 'io.modelcontextprotocol/clientCapabilities': caps } });
        const r = await post(url, body, { 'mcp-name': 'test_elicitation' });
        const res = r.json?.result;
        if (!res) return [`no result: HTTP ${r.status} ${r.text.slice(0, 200)}`];
        if (res.resultType !== 'input_required') return [`expected resultType input_required, got ${JSON.stringify(res.resultType)}`];
        const entries = Object.entries(res.inputRequests ?? {});
        if (entries.length === 0 || entries[0][1].method !== 'elicitation/create') return [`bad inputRequests: ${JSON.stringify(res.inputRequests)}`];
        const retry = req(13, 'tools/call', {
            name: 'test_elicitation',
            arguments: { message: 'hi' },
            inputResponses: { [entries[0][0]]: { action: 'accept', content: { username: 'raw', email: 'raw@example.com' } } },
            ...(res.requestState !== undefined && { requestState: res.requestState }),
            _meta: { 'io.modelcontextprotocol/clientCapabilities': caps }
        });
        const r2 = await post(url, retry, { 'mcp-name': 'test_elicitation' });
        if (r2.json?.result?.resultType !== 'complete') return [`retry did not complete: ${r2.text.slice(0, 300)}`];
        return [];
    },
    'modern-prompts': async url => {
        const p = [];
        const client = await connect(url);
        try {
            const { prompts } = await client.listPrompts();
            for (const pr of prompts) if (!pr.name || !pr.description) p.push(`prompt ${pr.name}: missing name/description`);
            const simple = await client.getPrompt({ name: 'test_simple_prompt' });
            if (!simple.messages?.length) p.push('test_simple_prompt: no messages');
            const args = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'testValue1', arg2: 'testValue2' } });
            const t = JSON.stringify(args.messages);
            if (!t.includes('testValue1') || !t.includes('testValue2')) p.push('test_prompt_with_arguments: arguments not substituted');
            const emb = await client.getPrompt({ name: 'test_prompt_with_embedded_resource', arguments: { resourceUri: 'test://example-resource' } });
            if (!emb.messages?.some(m => m.content?.type === 'resource')) p.push('test_prompt_with_embedded_resource: no resource content');
            const img = await client.getPrompt({ name: 'test_prompt_with_image' });
            if (!img.messages?.some(m => m.content?.type === 'image')) p.push('test_prompt_with_image: no image content');
        } catch (e) {
            p.push(`prompts: ${e.message}`);
        }
        await client.close();
        return p;
    },
    'modern-resources': async url => {
        const p = [];
        const client = await connect(url);
        try {
            const { resources } = await client.listResources();
            for (const r of resources) if (!r.uri || !r.name) p.push(`resource ${r.uri}: missing uri/name`);
            const t = await client.readResource({ uri: 'test://static-text' });
            if (!t.contents?.[0]?.text) p.push('test://static-text: no text');
            const b = await client.readResource({ uri: 'test://static-binary' });
            if (!b.contents?.[0]?.blob) p.push('test://static-binary: no blob');
            const tpl = await client.readResource({ uri: 'test://template/123/data' });
            if (!JSON.stringify(tpl.contents).includes('123')) p.push('template: parameter not substituted');
        } catch (e) {
            p.push(`resources: ${e.message}`);
        }
        await client.close();
        const raw = await post(url, req(14, 'resources/read', { uri: 'test://static-text' }), { 'mcp-name': 'test://static-text' });
        const res = raw.json?.result;
        if (!res || !Number.isInteger(res.ttlMs) || !['public', 'private'].includes(res.cacheScope)) p.push(`resources/read lacks ttlMs/cacheScope: ${raw.text.slice(0, 200)}`);
        return p;
    },
    'modern-completion-complete': async url => {
        const client = await connect(url);
        try {
            const r = await client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'test' } });
            return Array.isArray(r.completion?.values) ? [] : [`no completion.values: ${JSON.stringify(r)}`];
        } catch (e) {
            return [`completion/complete failed: ${e.message}`];
        } finally {
            await client.close();
        }
    },
    'modern-json-schema-2020-12': async url => {
        const r = await post(url, req(15, 'tools/list'));
        const tool = r.json?.result?.tools?.find(t => t.name === 'json_schema_2020_12_tool');
        if (!tool) return ['json_schema_2020_12_tool not listed'];
        const s = tool.inputSchema;
        const p = [];
        if (s.$schema !== 'https://json-schema.org/draft/2020-12/schema') p.push('$schema not preserved');
        if (!s.$defs?.address) p.push('$defs not preserved');
        if (s.additionalProperties !== false) p.push('additionalProperties not preserved');
        return p;
    },
    'modern-subscriptions-listen': async url => {
        const ctrl = new AbortController();
        const p = [];
        try {
            const res = await fetch(url, {
                method: 'POST',
                signal: ctrl.signal,
                headers: {
                    'content-type': 'application/json',
                    accept: 'application/json, text/event-stream',
                    'mcp-protocol-version': MODERN_VERSION,
                    'mcp-method': 'subscriptions/listen'
                },
                body: JSON.stringify(req('listen-1', 'subscriptions/listen', { notifications: { toolsListChanged: true } }))
            });
            if (res.status !== 200 || !(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
                p.push(`expected 200 text/event-stream, got ${res.status} ${res.headers.get('content-type')} ${(await res.text()).slice(0, 200)}`);
                return p;
            }
            const reader = res.body.getReader();
            let buf = '';
            const deadline = Date.now() + 3000;
            while (!buf.includes('\n\n') && Date.now() < deadline) {
                const { value, done } = await Promise.race([reader.read(), new Promise(r => setTimeout(() => r({ done: true }), 3000))]);
                if (done) break;
                buf += new TextDecoder().decode(value);
            }
            const data = buf.split('\n').find(l => l.startsWith('data:'));
            const first = data ? JSON.parse(data.slice(5)) : undefined;
            if (first?.method !== 'notifications/subscriptions/acknowledged') p.push(`first event is not the acknowledgement: ${buf.slice(0, 200)}`);
            else if (first.params?._meta?.['io.modelcontextprotocol/subscriptionId'] !== 'listen-1') p.push('acknowledgement lacks _meta subscriptionId = listen request id');
        } catch (e) {
            p.push(`listen failed: ${e.message}`);
        } finally {
            ctrl.abort();
        }
        return p;
    },
    'modern-list-changed-via-listen': async url => {
        // An upstream tools/list_changed must reach a subscriptions/listen stream that asked for it.
        const ctrl = new AbortController();
        try {
            const res = await fetch(url, {
                method: 'POST',
                signal: ctrl.signal,
                headers: {
                    'content-type': 'application/json',
                    accept: 'application/json, text/event-stream',
                    'mcp-protocol-version': MODERN_VERSION,
                    'mcp-method': 'subscriptions/listen'
                },
                body: JSON.stringify(req('listen-2', 'subscriptions/listen', { notifications: { toolsListChanged: true } }))
            });
            if (res.status !== 200 || !res.body) return [`listen: HTTP ${res.status}`];
            const reader = res.body.getReader();
            const decoder = new TextDecoder();
            let buf = '';
            const events = [];
            let pending; // a read that outlived the previous pump keeps its chunk for the next one
            const pump = async deadline => {
                while (Date.now() < deadline) {
                    const left = deadline - Date.now();
                    pending ??= reader.read();
                    const got = await Promise.race([pending, new Promise(r => setTimeout(() => r({ timeout: true }), left))]);
                    if (got.timeout) return;
                    pending = undefined;
                    const { value, done } = got;
                    if (done || value === undefined) return;
                    buf += decoder.decode(value, { stream: true });
                    let cut;
                    while ((cut = buf.indexOf('\n\n')) >= 0) {
                        const frame = buf.slice(0, cut);
                        buf = buf.slice(cut + 2);
                        const data = frame.split('\n').filter(l => l.startsWith('data:')).map(l => l.slice(5).trim()).join('');
                        if (data) events.push(JSON.parse(data));
                    }
                    if (events.some(e => e.method === 'notifications/tools/list_changed')) return;
                }
            };
            await pump(Date.now() + 3000);
            if (!events.some(e => e.method === 'notifications/subscriptions/acknowledged')) return ['no acknowledgement on the listen stream'];
            // Up to three upstream changes, 2 s apart: a gateway may still be opening its upstream notification
            // stream (2025 GET) when the first one happens; at least one must come through.
            for (let attempt = 0; attempt < 3 && !events.some(e => e.method === 'notifications/tools/list_changed'); attempt++) {
                const trigger = await post(url, req(51 + attempt, 'tools/call', { name: 'test_trigger_list_changed', arguments: {} }), {
                    'mcp-name': 'test_trigger_list_changed'
                });
                if (!trigger.json?.result) return [`trigger tool failed: HTTP ${trigger.status} ${trigger.text.slice(0, 160)}`];
                await pump(Date.now() + 2000);
            }
            const changed = events.find(e => e.method === 'notifications/tools/list_changed');
            if (!changed) return ['no notifications/tools/list_changed on the listen stream after three upstream changes (2 s apart)'];
            if (changed.params?._meta?.['io.modelcontextprotocol/subscriptionId'] !== 'listen-2') return ['list_changed lacks _meta subscriptionId = listen request id'];
            return [];
        } catch (e) {
            return [`listen failed: ${e.message}`];
        } finally {
            ctrl.abort();
        }
    },
    'modern-header-validation': async url => {
        const out = {};
        const check = (label, r, status, code) => {
            const got = r.json?.error?.code;
            out[label] = r.status === status && got === code ? [] : [`expected HTTP ${status} / ${code}, got HTTP ${r.status} / ${got} ${r.text.slice(0, 160)}`];
        };
        check('mcp-method-mismatch', await post(url, req(21, 'tools/list'), { 'mcp-method': 'tools/call' }), 400, -32020);
        check(
            'mcp-name-mismatch',
            await post(url, req(22, 'tools/call', { name: 'test_simple_text', arguments: {} }), { 'mcp-name': 'test_error_handling' }),
            400,
            -32020
        );
        check('mcp-name-missing', await post(url, req(23, 'tools/call', { name: 'test_simple_text', arguments: {} })), 400, -32020);
        check('protocol-version-header-missing', await post(url, req(24, 'tools/list'), { 'mcp-protocol-version': undefined }), 400, -32020);
        check('mcp-method-missing', await post(url, req(25, 'tools/list'), { 'mcp-method': undefined }), 400, -32020);
        check('header-body-version-mismatch', await post(url, req(26, 'tools/list'), { 'mcp-protocol-version': '2025-11-25' }), 400, -32020);
        const ok = await post(url, req(27, 'tools/call', { name: 'test_simple_text', arguments: {} }), {
            'mcp-name': `=?base64?${Buffer.from('test_simple_text').toString('base64')}?=`
        });
        out['mcp-name-base64'] = ok.json?.result ? [] : [`Base64-encoded Mcp-Name rejected: HTTP ${ok.status} ${ok.text.slice(0, 160)}`];
        return out;
    },
    'modern-version-and-envelope-errors': async url => {
        const out = {};
        const bad = req(31, 'tools/list');
        bad.params._meta['io.modelcontextprotocol/protocolVersion'] = '2099-01-01';
        const r = await post(url, bad, { 'mcp-protocol-version': '2099-01-01' });
        out['unsupported-version'] =
            r.status === 400 && r.json?.error?.code === -32022 && r.json?.error?.data?.supported?.includes(MODERN_VERSION)
                ? []
                : [`expected 400 / -32022 with data.supported, got ${r.status} ${r.text.slice(0, 200)}`];
        const noEnv = await post(url, { jsonrpc: '2.0', id: 32, method: 'tools/list' });
        out['modern-header-without-envelope'] = noEnv.status === 400 && noEnv.json?.error?.code === -32602 ? [] : [`expected 400 / -32602, got ${noEnv.status} ${noEnv.text.slice(0, 160)}`];
        const noCaps = { jsonrpc: '2.0', id: 33, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN_VERSION } } };
        const nc = await post(url, noCaps);
        out['envelope-without-client-capabilities'] = nc.status === 400 && nc.json?.error?.code === -32602 ? [] : [`expected 400 / -32602, got ${nc.status} ${nc.text.slice(0, 160)}`];
        const ping = await post(url, req(34, 'ping'));
        out['ping-is-method-not-found'] = ping.json?.error?.code === -32601 ? [] : [`expected -32601, got ${ping.status} ${ping.text.slice(0, 160)}`];
        const batch = await post(url, [req(35, 'tools/list')], { 'mcp-method': 'tools/list' });
        out['batch-with-2026-element'] = batch.status === 400 && batch.json?.error?.code === -32600 ? [] : [`expected 400 / -32600, got ${batch.status} ${batch.text.slice(0, 160)}`];
        const initModern = await post(url, { jsonrpc: '2.0', id: 36, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
        out['initialize-with-2026-header'] = initModern.status === 400 && initModern.json?.error?.code === -32020 ? [] : [`expected 400 / -32020, got ${initModern.status} ${initModern.text.slice(0, 160)}`];
        return out;
    },
    'modern-cancellation-by-disconnect': async url => {
        // Closing the HTTP response is the 2026-07-28 cancellation signal; the server must keep serving afterwards.
        const ctrl = new AbortController();
        const pending = fetch(url, {
            method: 'POST',
            signal: ctrl.signal,
            headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'test_tool_with_progress' },
            body: JSON.stringify(req(41, 'tools/call', { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: 'c1' } }))
        }).catch(() => undefined);
        setTimeout(() => ctrl.abort(), 20);
        await pending;
        const r = await post(url, req(42, 'tools/list'));
        return r.json?.result ? [] : [`server unusable after a cancelled request: HTTP ${r.status}`];
    }
};

export async function runModernSuite(url, { timeoutMs = 20000, only } = {}) {
    const results = [];
    for (const [name, fn] of Object.entries(MODERN_SCENARIOS)) {
        if (only !== undefined && !only.includes(name)) continue;
        let outcome;
        try {
            outcome = await Promise.race([fn(url), new Promise((_, rej) => setTimeout(() => rej(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs))]);
        } catch (e) {
            outcome = [`crashed: ${e?.message ?? e}`];
        }
        // A scenario returns either its problems (one check) or {subcheck: problems} (one check each).
        const entries = Array.isArray(outcome) ? [[name, outcome]] : Object.entries(outcome).map(([k, v]) => [`${name}/${k}`, v]);
        const checks = entries.map(([id, problems]) => ({
            id,
            status: problems.length === 0 ? 'SUCCESS' : 'FAILURE',
            ...(problems.length && { errorMessage: problems.join('; ') })
        }));
        results.push({ scenario: name, checks });
    }
    return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
    const url = process.argv[2];
    const out = process.argv.indexOf('--out') > 0 ? process.argv[process.argv.indexOf('--out') + 1] : undefined;
    const results = await runModernSuite(url);
    for (const r of results) for (const c of r.checks) console.log(`${c.status === 'SUCCESS' ? '✓' : '✗'} ${c.id}${c.errorMessage ? ': ' + c.errorMessage : ''}`);
    if (out) fs.writeFileSync(out, JSON.stringify(results, null, 2));
    process.exit(0);
}
