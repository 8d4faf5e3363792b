// Validates an AsyncAPI document with @asyncapi/parser (the AsyncAPI initiative's own parser):
// node asyncapi_validate.mjs FILE; prints the diagnostics as JSON, exits 1 on any error.
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const text = readFileSync(process.argv[2], "utf8");
const { document, diagnostics } = await new Parser().parse(text);
const errors = diagnostics.filter((d) => d.severity === 0);
console.log(JSON.stringify({
  parsed: document !== undefined,
  version: document?.version(),
  errors: errors.map((d) => ({ code: d.code, message: d.message, path: d.path })),
  warnings: diagnostics.filter((d) => d.severity === 1).map((d) => `${d.code} ${d.path.join(".")}: ${d.message}`),
}, null, 1));
process.exit(errors.length || !document ? 1 : 0);
