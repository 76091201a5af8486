// patchlaw-conformance adapter (conformance/PROTOCOL.md) for the npm
// package rfc6902 (RFC 6902, with RFC 6901 pointers), at the version of
// package.json.
//
// rfc6902's applyPatch does not throw: it changes the document in place,
// applying the operations in turn, and returns one result per operation,
// null or an error. The first error is the answer; the document as it
// stands is discarded.
"use strict";
const rfc6902 = require("rfc6902");
const { Failure, serve } = require("../lib/serve.js");

// rfc6902's error classes, by the code of the protocol they mean.
const CODES = {
  MissingError: "path-not-found",
  TestError: "test-failed",
  InvalidOperationError: "invalid-patch",
};

serve(
  {
    name: "js-rfc6902",
    language: "javascript",
    version: `rfc6902 ${require("rfc6902/package.json").version}`,
    homepage: "https://github.com/chbrown/rfc6902",
  },
  {
    "pointer.get": ({ doc, pointer }) => {
      const value = rfc6902.Pointer.fromJSON(pointer).get(doc);
      if (value === undefined) throw new Failure("path-not-found", `nothing at ${pointer}`);
      return value;
    },
    "json_patch.apply": ({ doc, patch }) => {
      if (!Array.isArray(patch)) throw new Failure("invalid-patch", "a patch is an array");
      const failed = rfc6902.applyPatch(doc, patch).find((r) => r !== null);
      if (failed) throw failed;
      return doc;
    },
    "json_patch.diff": (args) => rfc6902.createPatch(args.from, args.to),
  },
  (failure) => CODES[failure.name],
);
