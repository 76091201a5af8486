// The protocol loop the JavaScript adapters share (conformance/PROTOCOL.md):
// one JSON line in, one JSON line out, until `stop` or the end of input.
"use strict";
const readline = require("readline");

// An error the protocol names with a code.
class Failure extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

// Serves `ops` (op name → function of the args) for the implementation
// `implementation` (the handshake's `implementation` member). `codeOf`
// names the code of a thrown library error, or returns undefined for an
// error that is not an answer (`errored`).
function serve(implementation, ops, codeOf = () => undefined) {
  const respond = (request) => {
    const seq = request.seq;
    if (request.cmd === "start") {
      return { protocol: 1, implementation, capabilities: Object.keys(ops) };
    }
    const op = ops[request.op];
    if (!op) return { seq, unsupported: true, message: "unknown op" };
    try {
      const result = op(request.args);
      // A value JSON cannot write is not an answer.
      if (result === undefined) return { seq, errored: true, message: "the library returned undefined" };
      return { seq, result };
    } catch (failure) {
      const code = failure instanceof Failure ? failure.code : codeOf(failure);
      if (code) return { seq, error: { code, message: String(failure.message) } };
      return { seq, errored: true, message: `${failure.name}: ${failure.message}` };
    }
  };
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
}

module.exports = { Failure, serve };
