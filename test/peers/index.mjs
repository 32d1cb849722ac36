// Re-exports the pinned MCP test peers for Bulkhead's end-to-end tests (test/e2e/).
// Bare specifiers resolve from test/peers/node_modules because this file lives in test/peers/.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
export { StreamableHTTPClientTransport as StreamableHTTPClientTransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
export * as typesV1 from '@modelcontextprotocol/sdk/types.js';
export * as clientV2 from '@modelcontextprotocol/client';
export * as serverV2 from '@modelcontextprotocol/server';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const peersDir = here;
export const nodeModules = join(here, 'node_modules');
export const serverEverythingEntry = join(nodeModules, '@modelcontextprotocol/server-everything/dist/index.js');
export const inspectorCliEntry = join(nodeModules, '@modelcontextprotocol/inspector-cli/build/index.js');
export const resolvePeer = (spec) => require.resolve(spec);
export * as zod from 'zod';
export * as jose from 'jose';
