// Validates SARIF files against the official SARIF 2.1.0 JSON schema (draft-04; shipped by the pinned
// @microsoft/jest-sarif package) with ajv. Usage: node validate_sarif.mjs FILE...  Exit 0 valid, 1 invalid, 2 error.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "peers", "package.json"));
const Ajv = require("ajv-draft-04");
const addFormats = require("ajv-formats");
const schema = JSON.parse(
  readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8"));

// unicodeRegExp: false — the published schema has a pattern ("language") that is only valid without the u flag.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

let invalid = 0;
for (const file of process.argv.slice(2)) {
  let log;
  try {
    log = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    console.error(`${file}: not JSON: ${error.message}`);
    process.exit(2);
  }
  if (validate(log)) {
    console.log(`${file}: valid SARIF 2.1.0 (${log.runs?.[0]?.results?.length ?? 0} results)`);
  } else {
    invalid++;
    console.log(`${file}: INVALID`);
    for (const error of validate.errors.slice(0, 20)) console.log(`  ${error.instancePath} ${error.message}`);
  }
}
process.exit(invalid ? 1 : 0);
