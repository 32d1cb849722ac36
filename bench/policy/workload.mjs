// The BM_Policy_Decide workload (bench/micro/policy_bench.cc), generated identically for cedar-wasm: N tenant-pinned
// policies over 10,000 tenants plus two global ones, and 10,000 requests mapped like the gateway maps them
// (principal Agent in Tenant, resource Tool in Upstream, context {arguments, classification, scopes, task, ...}).
export const TENANTS = 10000;
export const REQUESTS = 10000;
const tenantOfPolicy = (i) => (i * 7919) % TENANTS;

export function policyText(count) {
  let text =
    '@id("restricted-needs-scope") forbid(principal, action, resource) when { resource.classification == "restricted" } unless { context.scopes.contains("restricted") };\n' +
    '@id("echo-for-all") permit(principal, action == Action::"tools/call", resource == Tool::"everything__echo");\n';
  for (let i = 0; i < count; i++) {
    const t = `t${tenantOfPolicy(i)}`;
    text += `@id("p${i}") permit(principal in Tenant::"${t}", action == Action::"tools/call", resource in Upstream::"crm") when { context.arguments.account_id like "${t}-*" && resource.classification != "restricted" };\n`;
  }
  return text;
}

export function requests(policies) {
  const tools = ["crm__lookup", "everything__echo", "crm__export"];
  const out = [];
  for (let j = 0; j < REQUESTS; j++) {
    const tenant = j % 2 === 0 ? tenantOfPolicy(Math.floor(j / 2) % policies) : (j * 31) % TENANTS;
    const t = `t${tenant}`;
    const tool = tools[j % 3];
    const upstream = tool.slice(0, tool.indexOf("__"));
    const classification = tool === "crm__export" ? "restricted" : "internal";
    const agent = `spiffe://${t}.test/agent/${j % 7}`;
    out.push({
      principal: { type: "Agent", id: agent },
      action: { type: "Action", id: "tools/call" },
      resource: { type: "Tool", id: tool },
      context: {
        arguments: { account_id: j % 4 === 0 ? `${t}-${j}` : `other-${j}`, limit: 10 },
        classification,
        scopes: j % 5 === 0 ? ["restricted"] : [],
        task: "task-1",
        task_labels: [],
        tenant: t,
      },
      entities: [
        { uid: { type: "Agent", id: agent }, attrs: {}, parents: [{ type: "Tenant", id: t }] },
        { uid: { type: "Tool", id: tool }, attrs: { classification, labels: [] }, parents: [{ type: "Upstream", id: upstream }] },
      ],
    });
  }
  return out;
}
