// patchlaw-conformance adapter (conformance/PROTOCOL.md) for the npm
// package json-merge-patch (RFC 7396), at the version of package.json.
"use strict";
const readline = require("readline");
const mergePatch = require("json-merge-patch");

const OPS = {
  "merge_patch.apply": ({ doc, patch }) => mergePatch.apply(doc, patch),
  // `generate` answers `undefined` when there is nothing to change.
  "merge_patch.diff": (args) => {
    const patch = mergePatch.generate(args.from, args.to);
    return patch === undefined ? {} : patch;
  },
  "merge_patch.compose": ({ first, second }) => mergePatch.merge(first, second),
};

function respond(request) {
  const seq = request.seq;
  if (request.cmd === "start") {
    return {
      protocol: 1,
      implementation: {
        name: "js-json-merge-patch",
        language: "javascript",
        version: `json-merge-patch ${require("json-merge-patch/package.json").version}`,
        homepage: "https://github.com/pierreinglebert/json-merge-patch",
      },
      capabilities: Object.keys(OPS),
    };
  }
  const op = OPS[request.op];
  if (!op) return { seq, unsupported: true, message: "unknown op" };
  try {
    return { seq, result: op(request.args) };
  } catch (failure) {
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
