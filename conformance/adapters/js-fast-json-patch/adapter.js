// patchlaw-conformance adapter (conformance/PROTOCOL.md) for the npm
// package fast-json-patch (RFC 6902, with RFC 6901 pointers), at the
// version of package.json.
"use strict";
const jsonpatch = require("fast-json-patch");
const { Failure, serve } = require("../lib/serve.js");

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

serve(
  {
    name: "js-fast-json-patch",
    language: "javascript",
    version: `fast-json-patch ${require("fast-json-patch/package.json").version}`,
    homepage: "https://github.com/Starcounter-Jack/JSON-Patch",
  },
  {
    "pointer.get": ({ doc, pointer }) => {
      const value = jsonpatch.getValueByPointer(doc, pointer);
      if (value === undefined) throw new Failure("path-not-found", `nothing at ${pointer}`);
      return value;
    },
    "json_patch.apply": ({ doc, patch }) => jsonpatch.applyPatch(doc, patch, true, true).newDocument,
    "json_patch.diff": (args) => jsonpatch.compare(args.from, args.to),
  },
  (failure) => CODES[failure.name],
);
