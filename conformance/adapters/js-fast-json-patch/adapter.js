// patchlaw-conformance adapter (conformance/PROTOCOL.md) for the npm
// package fast-json-patch (RFC 6902, with RFC 6901 pointers), at the
// version of package.json.
"use strict";
const readline = require("readline");
const jsonpatch = require("fast-json-patch");

// fast-json-patch's error names, by the code of the protocol they mean.
const CODES = {
  SEQUENCE_NOT_AN_ARRAY: "invalid-patch",
  OPERATION_NOT_AN_OBJECT: "invalid-patch",
  OPERATION_OP_INVALID: "invalid-patch",
  OPERATION_PATH_INVALID: "invalid-patch",
  OPERATION_FROM_REQUIRED: "invalid-patch",
  OPERATION_VALUE_REQUIRED: "invalid-patch",
  OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED: "invalid-patch",
  OPERATION_PATH_CANNOT_ADD: "path-not-found",
  OPERATION_PATH_UNRESOLVABLE: "path-not-found",
  OPERATION_FROM_UNRESOLVABLE: "path-not-found",
  OPERATION_PATH_ILLEGAL_ARRAY_INDEX: "invalid-index",
  OPERATION_VALUE_OUT_OF_BOUNDS: "index-out-of-bounds",
  TEST_OPERATION_FAILED: "test-failed",
};

class Failure extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const OPS = {
  "pointer.get": ({ doc, pointer }) => {
    const value = jsonpatch.getValueByPointer(doc, pointer);
    if (value === undefined) throw new Failure("path-not-found", `nothing at ${pointer}`);
    return value;
  },
  "json_patch.apply": ({ doc, patch }) =>
    jsonpatch.applyPatch(doc, patch, true, true).newDocument,
  "json_patch.diff": (args) => jsonpatch.compare(args.from, args.to),
};

function respond(request) {
  const seq = request.seq;
  if (request.cmd === "start") {
    return {
      protocol: 1,
      implementation: {
        name: "js-fast-json-patch",
        language: "javascript",
        version: `fast-json-patch ${require("fast-json-patch/package.json").version}`,
        homepage: "https://github.com/Starcounter-Jack/JSON-Patch",
      },
      capabilities: Object.keys(OPS),
    };
  }
  const op = OPS[request.op];
  if (!op) return { seq, unsupported: true, message: "unknown op" };
  try {
    const result = op(request.args);
    // A value JSON cannot write is not an answer.
    if (result === undefined) return { seq, errored: true, message: "the library returned undefined" };
    return { seq, result };
  } catch (failure) {
    const code = failure instanceof Failure ? failure.code : CODES[failure.name];
    if (code) return { seq, error: { code, message: String(failure.message) } };
    return { seq, errored: true, message: `${failure.name}: ${failure.message}` };
  }
}

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  let request;
  try {
    request = JSON.parse(line);
  } catch (failure) {
    process.stdout.write(JSON.stringify({ seq: null, errored: true, message: String(failure) }) + "\n");
    return;
  }
  if (request.cmd === "stop") return lines.close();
  let text;
  try {
    text = JSON.stringify(respond(request));
  } catch (failure) {
    // A result JSON cannot hold (a cycle): not an answer.
    text = JSON.stringify({ seq: request.seq, errored: true, message: String(failure) });
  }
  process.stdout.write(text + "\n");
});
