// Checks frames against the payload schemas of an AsyncAPI document, with ajv:
// node validate_frames.mjs DOC.json FRAMES.json, FRAMES a list of {message, frame};
// prints one line per frame that does not match its message, exits 1 if any.
import { readFileSync } from "node:fs";
import Ajv from "ajv";

const doc = JSON.parse(readFileSync(process.argv[2], "utf8"));
const cases = JSON.parse(readFileSync(process.argv[3], "utf8"));
// The document is not itself a schema: strict off, so its other keys are let be.
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addSchema({ ...doc, $id: "asyncapi" });
const compiled = new Map();
let bad = 0;
for (const { message, frame } of cases) {
  if (!compiled.has(message)) {
    compiled.set(message, ajv.getSchema(`asyncapi#/components/messages/${message}/payload`));
  }
  const validate = compiled.get(message);
  if (!validate) {
    console.log(`${message}: no such message`);
    bad += 1;
  } else if (!validate(frame)) {
    console.log(`${message}: ${ajv.errorsText(validate.errors)}`);
    bad += 1;
  }
}
console.log(`${cases.length - bad} of ${cases.length} frames match`);
process.exit(bad ? 1 : 0);
