#!/usr/bin/env node
// A small MCP server for the Bulkhead demo (stdio): per-process notes, one resource, one prompt.
// Built on the official TypeScript SDK installed by scripts/install-deps.sh under test/peers/.
import { McpServer } from "../../test/peers/node_modules/@modelcontextprotocol/sdk/dist/esm/server/mcp.js";
import { StdioServerTransport } from "../../test/peers/node_modules/@modelcontextprotocol/sdk/dist/esm/server/stdio.js";
import { z } from "../../test/peers/node_modules/zod/index.js";

const notes = [];
const server = new McpServer({ name: "bulkhead-demo-notes", version: "0.1.0" });

server.registerTool(
  "add_note",
  {
    description: "Store a short note in this process (one process per tenant behind Bulkhead).",
    inputSchema: { text: z.string().max(1000) },
    annotations: { readOnlyHint: false },
  },
  async ({ text }) => {
    notes.push({ text, at: new Date().toISOString() });
    return { content: [{ type: "text", text: `stored note #${notes.length}` }] };
  },
);

server.registerTool(
  "list_notes",
  { description: "List the notes stored so far.", inputSchema: {}, annotations: { readOnlyHint: true } },
  async () => ({
    content: [{ type: "text", text: notes.length ? notes.map((n, i) => `#${i + 1} ${n.text}`).join("\n") : "(no notes)" }],
  }),
);

server.registerTool(
  "whoami",
  {
    description: "Which upstream credential this process holds (Bulkhead gives each tenant's process its own).",
    inputSchema: {},
    annotations: { readOnlyHint: true },
  },
  async () => {
    const token = process.env.NOTES_API_TOKEN ?? "";
    // Never print a whole credential: a prefix and the length identify it well enough for the demo.
    const shown = token ? `${token.slice(0, 10)}... (${token.length} characters)` : "(none)";
    return { content: [{ type: "text", text: `notes process ${process.pid} holds credential ${shown}` }] };
  },
);

// The handoff demo (docs/dlp.md): a restricted read and an egress tool. bulkhead.toml classifies them.
server.registerTool(
  "read_case_file",
  { description: "Read the HR case file of the open ticket (restricted).", inputSchema: {}, annotations: { readOnlyHint: true } },
  async () => ({ content: [{ type: "text", text: "case acme-107: employee E-1042, salary band 7, disciplinary note pending" }] }),
);

server.registerTool(
  "post_external",
  {
    description: "Post a message to the partner portal (leaves the company).",
    inputSchema: { text: z.string().max(4000) },
    annotations: { readOnlyHint: false, openWorldHint: true },
  },
  async ({ text }) => ({ content: [{ type: "text", text: `posted ${text.length} characters to the partner portal` }] }),
);

server.registerResource(
  "all-notes",
  "notes://all",
  { description: "Every note as JSON", mimeType: "application/json" },
  async (uri) => ({ contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(notes) }] }),
);

server.registerPrompt(
  "summarize_notes",
  { description: "Ask the model to summarize the stored notes", argsSchema: { style: z.string().optional() } },
  ({ style }) => ({
    messages: [{ role: "user", content: { type: "text", text: `Summarize these notes${style ? ` (${style})` : ""}:\n${notes.map((n) => n.text).join("\n")}` } }],
  }),
);

await server.connect(new StdioServerTransport());
