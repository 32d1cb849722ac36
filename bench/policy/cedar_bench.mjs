#!/usr/bin/env node
// cedar-wasm baseline for BM_Policy_Decide: the same policies and requests (workload.mjs), decided with
// statefulIsAuthorized on a preparsed policy set; each decision timed individually (p50/p99, ns).
// Usage: node bench/policy/cedar_bench.mjs [--seconds S]   (bench/policy/run.sh runs it pinned next to the C++ side)
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { policyText, requests } from "./workload.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../../test/peers/package.json"));
const cedar = require("@cedar-policy/cedar-wasm/nodejs");
const seconds = Number(process.argv[process.argv.indexOf("--seconds") + 1] || 3);

const results = [];
for (const count of [10, 100, 1000]) {
  const id = `bench-${count}`;
  const parsed = cedar.preparsePolicySet(id, { staticPolicies: policyText(count) });
  if (parsed.type !== "success") throw new Error(JSON.stringify(parsed.errors));
  const reqs = requests(count);
  const times = [];
  let allowed = 0;
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  for (let j = 0; process.hrtime.bigint() < deadline || j < reqs.length; j++) {
    const r = reqs[j % reqs.length];
    const call = { principal: r.principal, action: r.action, resource: r.resource, context: r.context,
                   entities: r.entities, preparsedPolicySetId: id };
    const t0 = process.hrtime.bigint();
    const answer = cedar.statefulIsAuthorized(call);
    const t1 = process.hrtime.bigint();
    if (answer.type !== "success") throw new Error(JSON.stringify(answer.errors));
    if (answer.response.decision === "allow") allowed++;
    times.push(Number(t1 - t0));
  }
  times.sort((a, b) => a - b);
  const p50 = times[Math.floor(times.length / 2)];
  const p99 = times[Math.floor((times.length * 99) / 100)];
  results.push({ policies: count, decisions: times.length, p50_ns: p50, p99_ns: p99,
                 allow_pct: +(100 * allowed / times.length).toFixed(2) });
}
console.log(JSON.stringify({ engine: `cedar-wasm ${cedar.getCedarVersion()} statefulIsAuthorized`, results }));
