"""patchlaw-conformance adapter (conformance/PROTOCOL.md) for the Python
libraries jsonpatch and jsonpointer (RFC 6902, RFC 6901) and
json-merge-patch (RFC 7396), at the versions of requirements.txt.

The libraries raise exceptions whose class does not name the cause
(JsonPatchConflict covers a missing member and an index out of range), so
the error code is read from the message where the class is not enough.
"""
import os
import re
import sys
from importlib.metadata import version

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from serve import serve  # noqa: E402

import json_merge_patch
import jsonpatch
import jsonpointer

OPS = {
    "pointer.get": lambda a: jsonpointer.resolve_pointer(a["doc"], a["pointer"]),
    "json_patch.apply": lambda a: jsonpatch.apply_patch(a["doc"], a["patch"]),
    "json_patch.diff": lambda a: jsonpatch.make_patch(a["from"], a["to"]).patch,
    "merge_patch.apply": lambda a: json_merge_patch.merge(a["doc"], a["patch"]),
    "merge_patch.diff": lambda a: json_merge_patch.create_patch(a["from"], a["to"]),
}

# (pattern of the message, code), first match wins.
CODES = [
    (r"Location must start with|invalid escape", "invalid-pointer"),
    (r"EndOfList", "invalid-index"),
    (r"not a valid sequence index|Invalid sequence index|invalid array index|'-' can't", "invalid-index"),
    (r"out of bounds|out of range|outside of list", "index-out-of-bounds"),
    (r"non-container|does not support indexing|Cannot set value in a string", "not-a-container"),
    (r"own children", "move-into-descendant"),
    (r"not found|non-existent|unable to fully resolve", "path-not-found"),
]


def code_of(failure):
    if not isinstance(failure, (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException)):
        return None  # the library broke: not an answer
    for pattern, code in CODES:
        if re.search(pattern, str(failure)):
            return code
    if isinstance(failure, jsonpatch.JsonPatchTestFailed):
        return "test-failed"
    if isinstance(failure, jsonpatch.InvalidJsonPatch):
        return "invalid-patch"
    return "path-not-found"


def implementation():
    return {
        "name": "python-jsonpatch",
        "language": "python",
        "version": "jsonpatch %s, json-merge-patch %s" % (version("jsonpatch"), version("json-merge-patch")),
        "homepage": "https://github.com/stefankoegel/python-json-patch",
    }


sys.setrecursionlimit(10000)
serve(implementation, OPS, code_of)
