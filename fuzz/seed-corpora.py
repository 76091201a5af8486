#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora from the conformance vectors.

Each target reads a JSON array of values (see fuzz/src/lib.rs); this turns
every vector into such an array for the targets it concerns, under
fuzz/corpus/<target>/ (not committed: regenerate with this script).
"""

import hashlib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent
VECTORS = ROOT.parent / "conformance" / "vectors"
CORPUS = ROOT / "corpus"


def default_op(area):
    return "pointer.get" if area == "pointer" else area + ".apply"


def seeds(record, area):
    op = record.get("op", default_op(area)) if "name" in record else "json_patch.apply"
    get = record.get
    if op == "pointer.get":
        yield "pointer", [get("doc"), get("pointer")]
    elif op == "merge_patch.apply":
        yield "merge_patch", [get("doc"), get("patch"), get("patch"), {}]
    elif op == "merge_patch.diff":
        yield "merge_patch", [get("from"), get("to"), {}, {}]
    elif op == "merge_patch.compose":
        yield "merge_patch", [get("doc", {}), get("first"), get("second"), {}]
    elif op == "json_patch.apply":
        yield "json_patch_apply", [get("doc"), get("patch")]
        yield "differential", [get("doc"), get("patch")]
    elif op == "json_patch.diff":
        yield "json_patch_diff", [get("from"), get("to")]
    elif op == "strategic.apply":
        yield "strategic_apply", [get("schema"), get("doc"), get("patch")]
    elif op == "strategic.diff":
        yield "strategic_diff", [get("schema"), get("from"), get("to")]
    elif op == "three_way.strategic":
        yield "three_way", [get("schema"), get("original"), get("modified"), get("current")]
    elif op == "three_way.merge_patch":
        yield "three_way", [None, get("original"), get("modified"), get("current")]
    args = {k: v for k, v in record.items()
            if k not in ("name", "comment", "spec", "op", "expected", "expected_result", "error", "compare", "disabled")}
    yield "protocol", None, json.dumps({"cmd": "run", "seq": 1, "op": op, "args": args})


def main():
    written = {}
    for path in sorted(VECTORS.rglob("*.json")):
        area = path.parent.name
        for record in json.loads(path.read_text()):
            for seed in seeds(record, area):
                target, values = seed[0], seed[1]
                text = seed[2] if len(seed) > 2 else json.dumps(values)
                data = text.encode()
                directory = CORPUS / target
                directory.mkdir(parents=True, exist_ok=True)
                name = hashlib.sha1(data).hexdigest()
                (directory / name).write_bytes(data)
                written[target] = written.get(target, 0) + 1
    handshake = CORPUS / "protocol" / "start"
    handshake.write_bytes(b'{"cmd":"start","version":1}\n{"cmd":"stop"}\n')
    for target, count in sorted(written.items()):
        print(f"{target}: {count} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
