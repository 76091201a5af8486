// patchlaw-conformance adapter (conformance/PROTOCOL.md) for the npm
// package json-merge-patch (RFC 7396), at the version of package.json.
"use strict";
const mergePatch = require("json-merge-patch");
const { serve } = require("../lib/serve.js");

serve(
  {
    name: "js-json-merge-patch",
    language: "javascript",
    version: `json-merge-patch ${require("json-merge-patch/package.json").version}`,
    homepage: "https://github.com/pierreinglebert/json-merge-patch",
  },
  {
    "merge_patch.apply": ({ doc, patch }) => mergePatch.apply(doc, patch),
    // `generate` answers `undefined` when there is nothing to change.
    "merge_patch.diff": (args) => {
      const patch = mergePatch.generate(args.from, args.to);
      return patch === undefined ? {} : patch;
    },
    "merge_patch.compose": ({ first, second }) => mergePatch.merge(first, second),
  },
);
