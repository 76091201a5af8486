"""A minimal patchlaw-conformance adapter; a failed operation raises ValueError(code)."""
import json, re, sys
def pointer_get(doc, pointer):  # RFC 6901
    if not re.fullmatch(r"(/([^~/]|~[01])*)*", pointer):
        raise ValueError("invalid-pointer")
    for token in (t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]):
        if isinstance(doc, list) and not re.fullmatch(r"0|[1-9][0-9]*", token):
            raise ValueError("invalid-index")
        if not isinstance(doc, (dict, list)):
            raise ValueError("not-a-container")
        token = token if isinstance(doc, dict) else int(token)
        if token not in (doc if isinstance(doc, dict) else range(len(doc))):
            raise ValueError("path-not-found" if isinstance(doc, dict) else "index-out-of-bounds")
        doc = doc[token]
    return doc

def merge_patch_apply(target, patch):  # RFC 7396
    if not isinstance(patch, dict):
        return patch
    target = target if isinstance(target, dict) else {}
    for name, value in patch.items():
        target[name] = merge_patch_apply(target.get(name), value)
        if value is None:
            del target[name]
    return target

OPS = {"pointer.get": lambda args: pointer_get(args["doc"], args["pointer"]),
       "merge_patch.apply": lambda args: merge_patch_apply(args["doc"], args["patch"])}

for request in map(json.loads, sys.stdin.buffer):
    if request["cmd"] == "stop":
        break
    response = {"protocol": 1, "capabilities": list(OPS), "implementation": {
        "name": "minimal-python", "language": "python", "version": "1.0.0"}}
    if request["cmd"] == "run":
        try:
            response = {"seq": request["seq"], "result": OPS[request["op"]](request["args"])}
        except ValueError as failure:
            response = {"seq": request["seq"], "error": {"code": str(failure), "message": ""}}
    print(json.dumps(response), flush=True)
