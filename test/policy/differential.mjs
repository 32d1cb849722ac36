#!/usr/bin/env node
// Differential test: seeded random policies, entities and requests over the supported Cedar subset, decided by
// `bulkhead policy eval --batch` and by cedar-wasm's isAuthorized (test/peers, pinned). Every case must agree on the
// decision, the determining policies and the erring policies, except the documented divergence: when a forbid
// errs, Bulkhead denies (fail closed) where Cedar skips the policy; such cases are checked for exactly that.
//
// Usage: BULKHEAD_BIN=build/bin/bulkhead node test/policy/differential.mjs [--cases N] [--seed S] [--dump FILE]
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../peers/package.json"));
const cedar = require("@cedar-policy/cedar-wasm/nodejs");

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const CASES = Number(flag("--cases", "10000"));
const SEED = Number(flag("--seed", "1"));
const DUMP = flag("--dump", "");
const BIN = process.env.BULKHEAD_BIN;
if (!BIN) {
  console.error("BULKHEAD_BIN must name the bulkhead binary");
  process.exit(2);
}

// mulberry32: small, seeded, deterministic.
let state = SEED >>> 0;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rand() * n);
const pick = (xs) => xs[int(xs.length)];
const chance = (p) => rand() < p;

// --- universe ------------------------------------------------------------------------------------------------
const AGENTS = ["a0", "a1", "a2", "ghost"];  // "ghost" is never in the entity store
const TENANTS = ["acme", "globex", "initech"];
const TOOLS = ["everything__echo", "notes__add_note", "crm__lookup"];
const UPSTREAMS = ["everything", "notes", "crm"];
const ACTIONS = ["tools/call", "prompts/get", "resources/read"];
const ATTRS = ["n", "s", "b", "tags", "owner", "meta"];
const STRINGS = ["", "a", "ab", "acme-1", "acme-", "globex-7", "a*b", "*", "b", "aab", "\u00e9t\u00e9"];
const BIG = ["9223372036854775807", "-9223372036854775808", "4611686018427387904", "3037000500", "-1", "0", "1", "2", "7"];

const uid = (type, id) => ({ type, id });
const randomEntity = () => {
  switch (int(5)) {
    case 0: return uid("Agent", pick(AGENTS));
    case 1: return uid("Tenant", pick(TENANTS));
    case 2: return uid("Tool", pick(TOOLS));
    case 3: return uid("Upstream", pick(UPSTREAMS));
    default: return uid("Action", pick(ACTIONS));
  }
};
const cedarString = (s) => JSON.stringify(s);  // the alphabet has no control characters
const cedarEntity = (e) => `${e.type}::${cedarString(e.id)}`;

// JSON values for attributes and context (Cedar JSON form).
function jsonValue(depth) {
  switch (int(depth > 1 ? 4 : 7)) {
    case 0: return int(20) - 5;
    case 1: return pick(STRINGS);
    case 2: return chance(0.5);
    case 3: return Number(pick(["1", "2", "7", "-1", "0"]));
    case 4: return { __entity: randomEntity() };
    case 5: return Array.from({ length: int(4) }, () => (chance(0.7) ? pick(["a", "b", "pii", "crm"]) : jsonValue(depth + 1)));
    default: {
      const out = {};
      for (const k of ["n", "s", "x"]) if (chance(0.5)) out[k] = jsonValue(depth + 1);
      return out;
    }
  }
}
function attrs() {
  const out = {};
  for (const k of ATTRS) {
    if (!chance(0.55)) continue;
    if (k === "n") out.n = int(20) - 5;
    else if (k === "s") out.s = pick(STRINGS);
    else if (k === "b") out.b = chance(0.5);
    else if (k === "tags") out.tags = Array.from({ length: int(3) }, () => pick(["a", "b", "pii", "crm"]));
    else if (k === "owner") out.owner = { __entity: uid("Tenant", pick(TENANTS)) };
    else out.meta = jsonValue(1);
  }
  return out;
}
function entities() {
  const list = [];
  for (const a of AGENTS.slice(0, 3)) {
    const parents = TENANTS.filter(() => chance(0.35)).map((t) => uid("Tenant", t));
    list.push({ uid: uid("Agent", a), attrs: attrs(), parents });
  }
  for (const t of TENANTS) {
    if (chance(0.8)) list.push({ uid: uid("Tenant", t), attrs: attrs(), parents: chance(0.3) ? [uid("Org", "o")] : [] });
  }
  TOOLS.forEach((tool, i) => {
    list.push({ uid: uid("Tool", tool), attrs: attrs(), parents: chance(0.9) ? [uid("Upstream", UPSTREAMS[i])] : [] });
  });
  for (const a of ACTIONS) {
    if (chance(0.5)) list.push({ uid: uid("Action", a), attrs: {}, parents: chance(0.5) ? [uid("Action", "all")] : [] });
  }
  return list;
}
function request() {
  const context = {};
  if (chance(0.9)) context.tenant = pick(TENANTS);
  if (chance(0.8)) context.scopes = Array.from({ length: int(3) }, () => pick(["notes", "restricted", "crm:read"]));
  if (chance(0.7)) context.n = int(20) - 5;
  if (chance(0.6)) context.flag = chance(0.5);
  if (chance(0.8)) {
    const a = {};
    if (chance(0.7)) a.account_id = pick(STRINGS);
    if (chance(0.6)) a.amount = pick([1, 5, 500, 5000, -3]);
    context.arguments = a;
  }
  if (chance(0.3)) context.meta = jsonValue(1);
  return {
    principal: uid("Agent", pick(AGENTS)),
    action: uid("Action", pick(ACTIONS)),
    resource: uid("Tool", pick(TOOLS)),
    context,
  };
}

// --- expressions ---------------------------------------------------------------------------------------------
const ROOT_ENTITY = ["principal", "resource", "action"];
function entityExpr(d) {
  switch (int(4)) {
    case 0: return pick(ROOT_ENTITY);
    case 1: return cedarEntity(randomEntity());
    case 2: return `${pick(["principal", "resource"])}.owner`;
    default: return d > 0 ? `(if ${boolExpr(d - 1)} then ${pick(ROOT_ENTITY)} else ${cedarEntity(randomEntity())})` : "principal";
  }
}
function longExpr(d) {
  const leaf = () => pick([pick(BIG), String(int(10)), "context.n", "principal.n", "resource.n", "context.arguments.amount", "context.meta.n"]);
  if (d <= 0) return leaf();
  switch (int(6)) {
    case 0: return `(${longExpr(d - 1)} ${pick(["+", "-", "*"])} ${longExpr(d - 1)})`;
    case 1: return `-${longExpr(d - 1)}`;
    case 2: return `(if ${boolExpr(d - 1)} then ${longExpr(d - 1)} else ${longExpr(d - 1)})`;
    default: return leaf();
  }
}
function stringExpr() {
  return pick([cedarString(pick(STRINGS)), "context.tenant", "principal.s", "resource.s", "context.arguments.account_id", "context.meta.s"]);
}
function setExpr(d) {
  switch (int(5)) {
    case 0: return "context.scopes";
    case 1: return `${pick(["principal", "resource"])}.tags`;
    case 2: return `[${Array.from({ length: int(3) }, () => cedarString(pick(["a", "b", "pii", "notes", "restricted"]))).join(", ")}]`;
    case 3: return `[${Array.from({ length: int(3) }, () => (d > 0 ? anyExpr(d - 1) : pick(BIG))).join(", ")}]`;
    default: return "context.meta";
  }
}
function recordExpr(d) {
  switch (int(4)) {
    case 0: return "context";
    case 1: return "context.arguments";
    case 2: return `{n: ${d > 0 ? longExpr(d - 1) : "1"}, s: ${stringExpr()}}`;
    default: return `${pick(["principal", "resource"])}.meta`;
  }
}
function anyExpr(d) {
  switch (int(6)) {
    case 0: return longExpr(d);
    case 1: return stringExpr();
    case 2: return entityExpr(d);
    case 3: return setExpr(d);
    case 4: return recordExpr(d);
    default: return boolExpr(d);
  }
}
function pattern() {
  return `"${Array.from({ length: 1 + int(4) }, () => pick(["a", "b", "*", "\\*", "-", "acme-", "\u00e9"])).join("")}"`;
}
function boolExpr(d) {
  if (d <= 0 || chance(0.15)) {
    return pick(["true", "false", "context.flag", "principal.b", "resource.b", `context has ${pick(["flag", "n", "arguments"])}`]);
  }
  const k = d - 1;
  switch (int(16)) {
    case 0: return `${longExpr(k)} ${pick(["<", "<=", ">", ">="])} ${longExpr(k)}`;
    case 1: return `${anyExpr(k)} ${pick(["==", "!="])} ${anyExpr(k)}`;
    case 2: return `(${boolExpr(k)} ${pick(["&&", "||"])} ${boolExpr(k)})`;
    case 3: return `!${boolExpr(k)}`;
    case 4: return `${chance(0.8) ? pick([entityExpr(k), recordExpr(k)]) : anyExpr(k)} has ${pick([...ATTRS, "tenant", "account_id", "\"n\""])}`;
    case 5: return `${chance(0.85) ? stringExpr() : anyExpr(k)} like ${pattern()}`;
    case 6: return `${chance(0.85) ? entityExpr(k) : anyExpr(k)} in ${chance(0.6) ? cedarEntity(randomEntity()) : `[${Array.from({ length: int(3) }, () => (chance(0.9) ? cedarEntity(randomEntity()) : anyExpr(0))).join(", ")}]`}`;
    case 7: return `${chance(0.9) ? entityExpr(k) : anyExpr(k)} is ${pick(["Agent", "Tool", "Tenant", "Action"])}${chance(0.4) ? ` in ${cedarEntity(randomEntity())}` : ""}`;
    case 8: return `${chance(0.85) ? setExpr(k) : anyExpr(k)}.contains(${anyExpr(k)})`;
    case 9: return `${setExpr(k)}.${pick(["containsAll", "containsAny"])}(${chance(0.85) ? setExpr(k) : anyExpr(k)})`;
    case 10: return `(if ${boolExpr(k)} then ${boolExpr(k)} else ${boolExpr(k)})`;
    case 11: return `${recordExpr(k)}.${pick(["n", "s", "flag", "account_id"])} == ${anyExpr(0)}`;
    case 12: return `context["${pick(["flag", "tenant", "n"])}"] == ${anyExpr(0)}`;
    case 13: return `principal in ${pick(["Tenant", "Org"])}::"${pick([...TENANTS, "o"])}"`;
    case 14: return `${setExpr(k)}.isEmpty()`;
    default: return chance(0.2) ? anyExpr(k) : boolExpr(k);  // sometimes not a bool: a type error
  }
}

function scope(variable) {
  if (variable === "action") {
    switch (int(4)) {
      case 0: return "action";
      case 1: return `action == Action::"${pick(ACTIONS)}"`;
      case 2: return `action in [${Array.from({ length: int(3) }, () => `Action::"${pick([...ACTIONS, "all"])}"`).join(", ")}]`;
      default: return `action in Action::"${pick([...ACTIONS, "all"])}"`;
    }
  }
  const type = variable === "principal" ? "Agent" : "Tool";
  const container = variable === "principal" ? () => cedarEntity(uid("Tenant", pick(TENANTS))) : () => cedarEntity(uid("Upstream", pick(UPSTREAMS)));
  const self = () => cedarEntity(uid(type, pick(variable === "principal" ? AGENTS : TOOLS)));
  switch (int(6)) {
    case 0: case 1: return variable;
    case 2: return `${variable} == ${self()}`;
    case 3: return `${variable} in ${chance(0.7) ? container() : self()}`;
    case 4: return `${variable} is ${chance(0.8) ? type : "Tenant"}`;
    default: return `${variable} is ${type} in ${container()}`;
  }
}
function policy() {
  const effect = chance(0.65) ? "permit" : "forbid";
  let text = `${effect}(${scope("principal")}, ${scope("action")}, ${scope("resource")})`;
  const conditions = int(3);
  for (let i = 0; i < conditions; i++) text += ` ${chance(0.75) ? "when" : "unless"} { ${boolExpr(1 + int(3))} }`;
  return text + ";";
}

// --- run -----------------------------------------------------------------------------------------------------
const cases = [];
for (let i = 0; i < CASES; i++) {
  const count = 1 + int(4);
  cases.push({ id: i, policies: Array.from({ length: count }, policy).join("\n"), entities: entities(), request: request() });
}
const batch = cases.map((c) => JSON.stringify(c)).join("\n") + "\n";
if (DUMP) writeFileSync(DUMP, batch);

const t0 = Date.now();
const run = spawnSync(BIN, ["policy", "eval", "--batch", "-"], { input: batch, maxBuffer: 1 << 30, encoding: "utf8" });
if (run.status !== 0) {
  console.error(`bulkhead exited ${run.status}: ${run.stderr}`);
  process.exit(1);
}
const ours = run.stdout.trim().split("\n").map((line) => JSON.parse(line));
const bulkheadMs = Date.now() - t0;
if (ours.length !== cases.length) {
  console.error(`expected ${cases.length} result lines, got ${ours.length}`);
  process.exit(1);
}

const sorted = (xs) => [...xs].sort();
const same = (a, b) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
let agree = 0;
let divergentByDesign = 0;
let bothInvalid = 0;
const stats = { allow: 0, deny: 0, withErrors: 0 };
const failures = [];
const t1 = Date.now();
for (let i = 0; i < cases.length; i++) {
  const c = cases[i];
  const mine = ours[i];
  const answer = cedar.isAuthorized({ ...c.request, policies: { staticPolicies: c.policies }, entities: c.entities });
  if (answer.type !== "success") {
    if (mine.invalid) {
      bothInvalid++;
      agree++;
    } else {
      failures.push({ c, mine, cedar: answer.errors.map((e) => e.message) });
    }
    continue;
  }
  if (mine.invalid) {
    failures.push({ c, mine, cedar: answer.response });
    continue;
  }
  const response = answer.response;
  const cedarErrors = response.diagnostics.errors.map((e) => e.policyId);
  const myErrors = mine.errors.map((e) => e.policy);
  if (myErrors.length) stats.withErrors++;
  stats[mine.decision]++;
  // Which erring policies are forbids? Policy i of the text is "policy<i>"; effects are read from the text.
  const effects = c.policies.split("\n").map((line) => (line.startsWith("forbid") ? "forbid" : "permit"));
  const erringForbids = myErrors.filter((id) => effects[Number(id.slice(6))] === "forbid");
  if (erringForbids.length > 0) {
    // Divergence by design: we deny; our determining = Cedar's satisfied forbids (if Cedar denied) + erring forbids.
    const cedarForbids = response.decision === "deny" ? response.diagnostics.reason : [];
    const ok = mine.decision === "deny" && same(myErrors, cedarErrors) &&
               same(mine.determining, [...cedarForbids, ...erringForbids]);
    if (ok) {
      divergentByDesign++;
    } else {
      failures.push({ c, mine, cedar: response });
    }
    continue;
  }
  if (mine.decision === response.decision && same(mine.determining, response.diagnostics.reason) && same(myErrors, cedarErrors)) {
    agree++;
  } else {
    failures.push({ c, mine, cedar: response });
  }
}
const cedarMs = Date.now() - t1;

console.log(`policy differential: seed ${SEED}, ${cases.length} cases, cedar-wasm ${cedar.getCedarVersion()}`);
console.log(`  agree with Cedar: ${agree + divergentByDesign} of ${cases.length}`);
console.log(`    identical decision, determining policies and erring policies: ${agree} (both rejected the policy text: ${bothInvalid})`);
console.log(`    forbid-error cases (documented divergence: Bulkhead denies where Cedar skips the erring forbid; checked): ${divergentByDesign}`);
console.log(`    Bulkhead decisions: allow ${stats.allow}, deny ${stats.deny}; cases with evaluation errors ${stats.withErrors}`);
console.log(`  disagreements: ${failures.length}`);
console.log(`  time: bulkhead batch ${bulkheadMs} ms, cedar-wasm ${cedarMs} ms`);
for (const f of failures.slice(0, 5)) {
  console.log("---- disagreement");
  console.log(JSON.stringify(f.c));
  console.log("bulkhead:", JSON.stringify(f.mine));
  console.log("cedar:   ", JSON.stringify(f.cedar));
}
process.exit(failures.length === 0 ? 0 : 1);
