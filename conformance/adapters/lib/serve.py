"""The protocol loop the Python adapters share (conformance/PROTOCOL.md):
one JSON line in, one JSON line out, until `stop` or the end of input."""
import json
import sys


class Failure(Exception):
    """An error the protocol names with a code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class Unsupported(Exception):
    """This case of the operation is not supported."""


def serve(implementation, ops, code_of=lambda failure: None):
    """Serves `ops` (op name -> function of the args) for `implementation`
    (a function returning the handshake's `implementation` member).
    `code_of` names the code of a library exception, or None for an
    exception that is not an answer (`errored`)."""

    def respond(request):
        seq = request.get("seq")
        if request.get("cmd") == "start":
            return {"protocol": 1, "implementation": implementation(), "capabilities": list(ops)}
        op = ops.get(request.get("op"))
        if op is None:
            return {"seq": seq, "unsupported": True, "message": "unknown op"}
        try:
            result = op(request["args"])
            json.dumps(result)  # a value JSON cannot hold is not a result
            return {"seq": seq, "result": result}
        except Unsupported as why:
            return {"seq": seq, "unsupported": True, "message": str(why)}
        except Exception as failure:
            code = failure.code if isinstance(failure, Failure) else code_of(failure)
            if code:
                return {"seq": seq, "error": {"code": code, "message": str(failure)}}
            return {"seq": seq, "errored": True, "message": "%s: %s" % (type(failure).__name__, failure)}

    for line in sys.stdin.buffer:
        try:
            request = json.loads(line)
        except ValueError as failure:
            print(json.dumps({"seq": None, "errored": True, "message": str(failure)}), flush=True)
            continue
        if request.get("cmd") == "stop":
            break
        print(json.dumps(respond(request)), flush=True)
