// Conformance fixture MCP server for Bulkhead's end-to-end tests.
//
// Implements every tool, resource and prompt the server scenarios of @modelcontextprotocol/conformance
// (0.1.16) ask for (names and payloads from the scenario descriptions), on top of the v2 server SDK
// (@modelcontextprotocol/server):
//   * 2025-era traffic (initialize + Mcp-Session-Id) is served by sessionful streamable HTTP transports with
//     an in-memory event store (resumability, needed by server-sse-polling);
//   * 2026-07-28 traffic (per-request _meta envelope) is served by createMcpHandler (stateless) unless
//     --legacy-only is given (then the endpoint behaves like a 2025-11-25-only server, e.g. server-everything).
// Host/Origin validation (dns-rebinding-protection): only localhost, 127.0.0.1 and [::1] are accepted.
//
// Usage: node server.mjs [--port N] [--ready-file PATH] [--legacy-only]
//        node server.mjs --stdio            (2025-era MCP over stdin/stdout; nothing else is printed on stdout)
// Listens on 127.0.0.1 only. Writes {"pid":..,"port":..,"url":..} to the ready file (atomically) and
// prints the same line on stdout once listening. SIGTERM/SIGINT close it.
import fs from 'node:fs';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
    McpServer,
    ResourceTemplate,
    WebStandardStreamableHTTPServerTransport,
    completable,
    createMcpHandler,
    fromJsonSchema,
    inputRequired,
    inputResponse,
    isLegacyRequest
} from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

const argv = process.argv.slice(2);
const opt = name => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
};
const port = Number(opt('--port') ?? 0);
const readyFile = opt('--ready-file');
const legacyOnly = argv.includes('--legacy-only');
const stdio = argv.includes('--stdio');

// 1x1 red PNG and a 44-byte silent WAV header + 2 samples (minimal valid media for the content tests).
const PNG =
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = Buffer.concat([
    Buffer.from('RIFF', 'ascii'),
    Buffer.from([40, 0, 0, 0]),
    Buffer.from('WAVEfmt ', 'ascii'),
    Buffer.from([16, 0, 0, 0, 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0]),
    Buffer.from('data', 'ascii'),
    Buffer.from([4, 0, 0, 0, 0, 0, 0, 0])
]).toString('base64');

const sleep = ms => new Promise(r => setTimeout(r, ms));
const text = t => ({ content: [{ type: 'text', text: t }] });

/** Cross-instance hooks (the 2026 handler's notifier is only known once it exists). */
const hooks = {};

/** One fresh McpServer with the whole conformance surface (the v2 SDK wants a new instance per serving unit). */
function makeServer() {
    const server = new McpServer(
        { name: 'bulkhead-conformance-fixture', version: '1.0.0' },
        {
            capabilities: {
                logging: {},
                completions: {},
                tools: { listChanged: true },
                prompts: { listChanged: true },
                resources: { listChanged: true, subscribe: true }
            }
        }
    );

    server.registerTool('test_simple_text', { description: 'Returns simple text content' }, async () =>
        text('This is a simple text response for testing.')
    );
    server.registerTool('test_image_content', { description: 'Returns image content' }, async () => ({
        content: [{ type: 'image', data: PNG, mimeType: 'image/png' }]
    }));
    server.registerTool('test_audio_content', { description: 'Returns audio content' }, async () => ({
        content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }]
    }));
    server.registerTool('test_embedded_resource', { description: 'Returns an embedded resource' }, async () => ({
        content: [
            {
                type: 'resource',
                resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' }
            }
        ]
    }));
    server.registerTool('test_multiple_content_types', { description: 'Returns text, image and resource content' }, async () => ({
        content: [
            { type: 'text', text: 'Multiple content types test:' },
            { type: 'image', data: PNG, mimeType: 'image/png' },
            {
                type: 'resource',
                resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: '{"test":"data","value":123}' }
            }
        ]
    }));
    server.registerTool('test_tool_with_logging', { description: 'Sends three log messages while running' }, async (ctx) => {
        await ctx.mcpReq.log('info', 'Tool execution started');
        await sleep(50);
        await ctx.mcpReq.log('info', 'Tool processing data');
        await sleep(50);
        await ctx.mcpReq.log('info', 'Tool execution completed');
        return text('Logging tool executed');
    });
    server.registerTool('test_error_handling', { description: 'Always fails' }, async () => {
        throw new Error('This tool intentionally returns an error for testing');
    });
    server.registerTool('test_tool_with_progress', { description: 'Reports progress 0, 50, 100 of 100' }, async (ctx) => {
        const token = ctx.mcpReq._meta?.progressToken;
        for (const [i, p] of [0, 50, 100].entries()) {
            if (i > 0) await sleep(50);
            if (token !== undefined) {
                await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress: p, total: 100 } });
            }
        }
        return text('Progress tool executed');
    });
    server.registerTool(
        'test_sampling',
        { description: 'Asks the client to sample an LLM', inputSchema: z.object({ prompt: z.string() }) },
        async ({ prompt }, ctx) => {
            const answer = inputResponse(ctx.mcpReq.inputResponses, 'sample');
            if (answer.kind !== 'sampling') {
                return inputRequired({
                    inputRequests: {
                        sample: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 })
                    }
                });
            }
            const c = answer.result.content;
            const first = Array.isArray(c) ? c[0] : c;
            return text(`LLM response: ${first?.type === 'text' ? first.text : JSON.stringify(c)}`);
        }
    );
    const elicitTool = (name, description, message, requestedSchema, render) =>
        server.registerTool(
            name,
            { description, inputSchema: name === 'test_elicitation' ? z.object({ message: z.string() }) : undefined },
            async (...args) => {
                const ctx = args.length > 1 ? args[1] : args[0];
                const params = args.length > 1 ? args[0] : {};
                const answer = inputResponse(ctx.mcpReq.inputResponses, 'ask');
                if (answer.kind !== 'elicit') {
                    return inputRequired({
                        inputRequests: {
                            ask: { method: 'elicitation/create', params: { mode: 'form', message: message(params), requestedSchema } }
                        }
                    });
                }
                return text(render(answer));
            }
        );
    elicitTool(
        'test_elicitation',
        'Asks the user for a username and email',
        p => p.message,
        {
            type: 'object',
            properties: {
                username: { type: 'string', description: "User's response" },
                email: { type: 'string', description: "User's email address" }
            },
            required: ['username', 'email']
        },
        a => `User response: action=${a.action}, content=${JSON.stringify(a.content ?? {})}`
    );
    elicitTool(
        'test_elicitation_sep1034_defaults',
        'Elicitation with defaults for every primitive type',
        () => 'Please review and update the form fields with defaults',
        {
            type: 'object',
            properties: {
                name: { type: 'string', description: 'User name', default: 'John Doe' },
                age: { type: 'integer', description: 'User age', default: 30 },
                score: { type: 'number', description: 'User score', default: 95.5 },
                status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
                verified: { type: 'boolean', description: 'Verification status', default: true }
            },
            required: []
        },
        a => `Elicitation completed: action=${a.action}, content=${JSON.stringify(a.content ?? {})}`
    );
    elicitTool(
        'test_elicitation_sep1330_enums',
        'Elicitation with the five enum schema variants',
        () => 'Please select options from the enum fields',
        {
            type: 'object',
            properties: {
                untitledSingle: { type: 'string', description: 'Untitled single-select', enum: ['option1', 'option2', 'option3'] },
                titledSingle: {
                    type: 'string',
                    description: 'Titled single-select',
                    oneOf: [
                        { const: 'value1', title: 'First Option' },
                        { const: 'value2', title: 'Second Option' },
                        { const: 'value3', title: 'Third Option' }
                    ]
                },
                legacyEnum: {
                    type: 'string',
                    description: 'Legacy titled enum',
                    enum: ['opt1', 'opt2', 'opt3'],
                    enumNames: ['Option One', 'Option Two', 'Option Three']
                },
                untitledMulti: {
                    type: 'array',
                    description: 'Untitled multi-select',
                    items: { type: 'string', enum: ['option1', 'option2', 'option3'] }
                },
                titledMulti: {
                    type: 'array',
                    description: 'Titled multi-select',
                    items: {
                        anyOf: [
                            { const: 'value1', title: 'First Choice' },
                            { const: 'value2', title: 'Second Choice' },
                            { const: 'value3', title: 'Third Choice' }
                        ]
                    }
                }
            },
            required: []
        },
        a => `Elicitation completed: action=${a.action}, content=${JSON.stringify(a.content ?? {})}`
    );
    server.registerTool(
        'json_schema_2020_12_tool',
        {
            description: 'Tool with JSON Schema 2020-12 features',
            inputSchema: fromJsonSchema({
                $schema: 'https://json-schema.org/draft/2020-12/schema',
                type: 'object',
                $defs: { address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
                properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
                additionalProperties: false
            })
        },
        async args => text(`Received: ${JSON.stringify(args)}`)
    );
    server.registerTool('test_trigger_list_changed', { description: 'Announces a tools/list_changed (for subscription tests)' }, async () => {
        try {
            server.sendToolListChanged(); // 2025-era session: goes out on the session's standalone stream
        } catch {
            /* per-request (2026) instance: no session stream */
        }
        hooks.toolsChanged?.(); // 2026-07-28: publish to subscriptions/listen streams
        return text('tools/list_changed sent');
    });
    server.registerTool('test_reconnection', { description: 'Closes its SSE stream mid-call (SEP-1699 polling)' }, async (ctx) => {
        await sleep(50);
        ctx.http?.closeSSE?.();
        await sleep(300);
        return text('Reconnection test completed');
    });

    server.registerResource(
        'static-text',
        'test://static-text',
        { description: 'A static text resource', mimeType: 'text/plain' },
        async uri => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }] })
    );
    server.registerResource(
        'static-binary',
        'test://static-binary',
        { description: 'A static binary resource (PNG)', mimeType: 'image/png' },
        async uri => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: PNG }] })
    );
    server.registerResource(
        'watched-resource',
        'test://watched-resource',
        { description: 'A resource clients may subscribe to', mimeType: 'text/plain' },
        async uri => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'watched' }] })
    );
    server.registerResource(
        'template-data',
        new ResourceTemplate('test://template/{id}/data', { list: undefined }),
        { description: 'A templated resource', mimeType: 'application/json' },
        async (uri, { id }) => ({
            contents: [
                { uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }
            ]
        })
    );

    server.registerPrompt('test_simple_prompt', { description: 'A prompt without arguments' }, async () => ({
        messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }]
    }));
    server.registerPrompt(
        'test_prompt_with_arguments',
        {
            description: 'A prompt with two required arguments',
            argsSchema: z.object({
                arg1: completable(z.string().describe('First test argument'), value =>
                    ['paris', 'park', 'party', 'test', 'testValue1'].filter(v => v.startsWith(value))
                ),
                arg2: z.string().describe('Second test argument')
            })
        },
        async ({ arg1, arg2 }) => ({
            messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }]
        })
    );
    server.registerPrompt(
        'test_prompt_with_embedded_resource',
        { description: 'A prompt embedding a resource', argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }) },
        async ({ resourceUri }) => ({
            messages: [
                { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
                { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } }
            ]
        })
    );
    server.registerPrompt('test_prompt_with_image', { description: 'A prompt with an image' }, async () => ({
        messages: [
            { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
            { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } }
        ]
    }));

    // resources/subscribe and resources/unsubscribe (2025 era only; the 2026 registry has no such methods).
    const subscriptions = new Set();
    try {
        server.server.setRequestHandler('resources/subscribe', async req => {
            subscriptions.add(req.params.uri);
            return {};
        });
        server.server.setRequestHandler('resources/unsubscribe', async req => {
            subscriptions.delete(req.params.uri);
            return {};
        });
    } catch (e) {
        process.stderr.write(`fixture: cannot install resources/subscribe handlers: ${e.message}\n`);
    }
    return server;
}

/** In-memory event store for resumable 2025-era SSE streams (SEP-1699). */
class MemoryEventStore {
    constructor() {
        this.events = new Map(); // eventId -> { streamId, message }
        this.n = 0;
    }
    async storeEvent(streamId, message) {
        const id = `${streamId}_${++this.n}`;
        this.events.set(id, { streamId, message });
        return id;
    }
    async getStreamIdForEventId(eventId) {
        return this.events.get(eventId)?.streamId;
    }
    async replayEventsAfter(lastEventId, { send }) {
        const start = this.events.get(lastEventId);
        if (!start) return '';
        let after = false;
        for (const [id, ev] of this.events) {
            if (id === lastEventId) {
                after = true;
                continue;
            }
            if (after && ev.streamId === start.streamId) await send(id, ev.message);
        }
        return start.streamId;
    }
}

if (stdio) {
    const { StdioServerTransport } = await import('@modelcontextprotocol/server/stdio');
    const server = makeServer();
    await server.connect(new StdioServerTransport());
    process.stdin.on('end', () => process.exit(0));
} else {
    await serveHttp();
}

async function serveHttp() {
const sessions = new Map(); // sessionId -> { transport, server }

async function legacyHandle(request) {
    const sid = request.headers.get('mcp-session-id');
    if (sid) {
        const s = sessions.get(sid);
        if (!s) return Response.json({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }, { status: 404 });
        return s.transport.handleRequest(request);
    }
    if (request.method !== 'POST') {
        return Response.json({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: Mcp-Session-Id header is required' }, id: null }, { status: 400 });
    }
    const server = makeServer();
    const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: new MemoryEventStore(),
        retryInterval: 100,
        onsessioninitialized: id => sessions.set(id, { transport, server }),
        onsessionclosed: id => sessions.delete(id)
    });
    await server.connect(transport);
    return transport.handleRequest(request);
}

const modern = legacyOnly ? undefined : createMcpHandler(() => makeServer(), { legacy: 'reject' });
if (modern) hooks.toolsChanged = () => modern.notify.toolsChanged();

function localhostOnly(req) {
    const host = (req.headers.host ?? '').toLowerCase();
    const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
    if (!['localhost', '127.0.0.1', '[::1]'].includes(hostname)) return false;
    const origin = req.headers.origin;
    if (origin === undefined || origin === 'null') return true;
    try {
        return ['localhost', '127.0.0.1', '[::1]'].includes(new URL(origin).hostname);
    } catch {
        return false;
    }
}

const httpServer = http.createServer(async (req, res) => {
    try {
        if (req.url === '/healthz') {
            res.writeHead(200).end('ok');
            return;
        }
        if (!localhostOnly(req)) {
            res.writeHead(403, { 'content-type': 'application/json' }).end(
                JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Forbidden: invalid Host or Origin header' }, id: null })
            );
            return;
        }
        const chunks = [];
        for await (const c of req) chunks.push(c);
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        const hasBody = !['GET', 'HEAD', 'DELETE'].includes(req.method);
        const request = new Request(`http://${req.headers.host}${req.url}`, {
            method: req.method,
            headers,
            body: hasBody ? Buffer.concat(chunks) : undefined,
            duplex: 'half'
        });
        const abort = new AbortController();
        res.on('close', () => abort.abort());
        const route = modern === undefined || (await isLegacyRequest(request)) ? 'legacy' : 'modern';
        const response = route === 'legacy' ? await legacyHandle(request) : await modern.fetch(request);
        const outHeaders = {};
        response.headers.forEach((v, k) => (outHeaders[k] = v));
        res.writeHead(response.status, outHeaders);
        if (!response.body) {
            res.end();
            return;
        }
        const body = Readable.fromWeb(response.body);
        body.on('error', () => res.destroy());
        res.on('close', () => body.destroy());
        body.pipe(res);
    } catch (e) {
        process.stderr.write(`fixture: ${e?.stack ?? e}\n`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null }));
    }
});

httpServer.listen(port, '127.0.0.1', () => {
    const p = httpServer.address().port;
    const info = JSON.stringify({ pid: process.pid, port: p, url: `http://127.0.0.1:${p}/mcp`, legacyOnly });
    if (readyFile) {
        fs.writeFileSync(`${readyFile}.tmp`, info);
        fs.renameSync(`${readyFile}.tmp`, readyFile);
    }
    process.stdout.write(info + '\n');
});

const shutdown = async () => {
    for (const { transport } of sessions.values()) await transport.close().catch(() => {});
    await modern?.close().catch(() => {});
    httpServer.close();
    httpServer.closeAllConnections?.();
    process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
}
