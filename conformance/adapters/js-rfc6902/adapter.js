// patchlaw-conformance adapter (conformance/PROTOCOL.md) for the npm
// package rfc6902 (RFC 6902, with RFC 6901 pointers), at the version of
// package.json.
//
// rfc6902's applyPatch does not throw: it changes the document in place,
// applying the operations in turn, and returns one result per operation,
// null or an error. The first error is the answer; the document as it
// stands is discarded.
"use strict";
const readline = require("readline");
const rfc6902 = require("rfc6902");

class Failure extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

// rfc6902's error classes, by the code of the protocol they mean.
const CODES = {
  MissingError: "path-not-found",
  TestError: "test-failed",
  InvalidOperationError: "invalid-patch",
};

const OPS = {
  "pointer.get": ({ doc, pointer }) => {
    const value = rfc6902.Pointer.fromJSON(pointer).get(doc);
    if (value === undefined) throw new Failure("path-not-found", `nothing at ${pointer}`);
    return value;
  },
  "json_patch.apply": ({ doc, patch }) => {
    if (!Array.isArray(patch)) throw new Failure("invalid-patch", "a patch is an array");
    const failed = rfc6902.applyPatch(doc, patch).find((r) => r !== null);
    if (failed) {
      const code = CODES[failed.name];
      if (!code) throw failed;
      throw new Failure(code, failed.message);
    }
    return doc;
  },
  "json_patch.diff": (args) => rfc6902.createPatch(args.from, args.to),
};

function respond(request) {
  const seq = request.seq;
  if (request.cmd === "start") {
    return {
      protocol: 1,
      implementation: {
        name: "js-rfc6902",
        language: "javascript",
        version: `rfc6902 ${require("rfc6902/package.json").version}`,
        homepage: "https://github.com/chbrown/rfc6902",
      },
      capabilities: Object.keys(OPS),
    };
  }
  const op = OPS[request.op];
  if (!op) return { seq, unsupported: true, message: "unknown op" };
  try {
    return { seq, result: op(request.args) };
  } catch (failure) {
    if (failure instanceof Failure) return { seq, error: { code: failure.code, message: failure.message } };
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
    text = JSON.stringify({ seq: request.seq, errored: true, message: String(failure) });
  }
  process.stdout.write(text + "\n");
});
