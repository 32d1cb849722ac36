// An MCP server (official v1 SDK, Streamable HTTP, stateless) whose tool `headers` answers with the HTTP headers
// of the request that called it, and `whoami` with just the credential header. The end-to-end tests use it to
// prove what the gateway sends upstream: the calling tenant's own credential, never the client's token.
// Usage: node server.mjs PORT [CREDENTIAL_HEADER]      (127.0.0.1 only; SIGTERM ends it)
import http from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

const port = Number(process.argv[2] ?? 0);
const credentialHeader = (process.argv[3] ?? 'x-api-key').toLowerCase();

function factory() {
  const server = new McpServer({ name: 'headers', version: '1.0.0' });
  server.registerTool('headers', { description: 'Returns the HTTP headers this call arrived with' },
    async (extra) => ({ content: [{ type: 'text', text: JSON.stringify(extra.requestInfo?.headers ?? {}) }] }));
  server.registerTool('whoami', { description: 'Returns the credential header this call arrived with' },
    async (extra) => ({ content: [{ type: 'text', text: String(extra.requestInfo?.headers?.[credentialHeader] ?? '') }] }));
  return server;
}

const srv = http.createServer(async (req, res) => {
  if (req.url !== '/mcp') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString();
  const body = text ? JSON.parse(text) : undefined;
  const server = factory();
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => { transport.close(); server.close(); });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
});
srv.listen(port, '127.0.0.1', () => console.error(`headers server listening on ${srv.address().port}`));
process.on('SIGTERM', () => process.exit(0));
