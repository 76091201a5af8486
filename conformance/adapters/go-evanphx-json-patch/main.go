// patchlaw-conformance adapter (conformance/PROTOCOL.md) for the Go
// package github.com/evanphx/json-patch (RFC 6902 apply, RFC 7396 apply,
// diff and compose), the package Kubernetes uses, built from Debian's
// golang-github-evanphx-json-patch-dev with Debian's Go (see install).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	jsonpatch "github.com/evanphx/json-patch"
	"github.com/pkg/errors"
)

var capabilities = []string{
	"json_patch.apply",
	"merge_patch.apply",
	"merge_patch.diff",
	"merge_patch.compose",
}

type request struct {
	Cmd  string                     `json:"cmd"`
	Seq  json.RawMessage            `json:"seq"`
	Op   string                     `json:"op"`
	Args map[string]json.RawMessage `json:"args"`
}

// failure is an error the protocol names with a code.
type failure struct {
	code    string
	message string
}

// codes maps the package's errors onto the protocol's codes. It reports a
// missing member, a missing parent and an index out of range alike
// (ErrMissing), and a malformed index with the others (ErrInvalidIndex).
var codes = map[error]string{
	jsonpatch.ErrTestFailed:   "test-failed",
	jsonpatch.ErrMissing:      "path-not-found",
	jsonpatch.ErrInvalidIndex: "index-out-of-bounds",
	jsonpatch.ErrUnknownType:  "invalid-patch",
	jsonpatch.ErrInvalid:      "invalid-patch",
}

func run(op string, args map[string]json.RawMessage) (result []byte, fail *failure, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the package panicked: %v", p)
		}
	}()
	switch op {
	case "json_patch.apply":
		patch, err := jsonpatch.DecodePatch(args["patch"])
		if err != nil {
			return nil, &failure{"invalid-patch", err.Error()}, nil
		}
		result, err = patch.Apply(args["doc"])
		return judged(result, err)
	case "merge_patch.apply":
		return judged(jsonpatch.MergePatch(args["doc"], args["patch"]))
	case "merge_patch.diff":
		return judged(jsonpatch.CreateMergePatch(args["from"], args["to"]))
	case "merge_patch.compose":
		return judged(jsonpatch.MergeMergePatches(args["first"], args["second"]))
	}
	return nil, nil, fmt.Errorf("unknown op %q", op)
}

func judged(result []byte, err error) ([]byte, *failure, error) {
	if err == nil {
		return result, nil, nil
	}
	code, known := codes[errors.Cause(err)]
	if !known {
		code = "invalid-patch"
	}
	return nil, &failure{code, err.Error()}, nil
}

func respond(line []byte) interface{} {
	var req request
	if err := json.Unmarshal(line, &req); err != nil {
		return map[string]interface{}{"seq": nil, "errored": true, "message": err.Error()}
	}
	if req.Cmd == "start" {
		return map[string]interface{}{
			"protocol": 1,
			"implementation": map[string]string{
				"name":     "go-evanphx-json-patch",
				"language": "go",
				"version":  version,
				"homepage": "https://github.com/evanphx/json-patch",
			},
			"capabilities": capabilities,
		}
	}
	seq := req.Seq
	result, fail, err := run(req.Op, req.Args)
	switch {
	case err != nil:
		return map[string]interface{}{"seq": seq, "errored": true, "message": err.Error()}
	case fail != nil:
		return map[string]interface{}{"seq": seq, "error": map[string]string{"code": fail.code, "message": fail.message}}
	case !json.Valid(result):
		return map[string]interface{}{"seq": seq, "errored": true, "message": "not JSON: " + string(result)}
	}
	return map[string]interface{}{"seq": seq, "result": json.RawMessage(result)}
}

// version is set at build time to the Debian package's version.
var version = "unknown"

func main() {
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	for {
		line, err := in.ReadBytes('\n')
		if len(line) == 0 && err != nil {
			return
		}
		var stop struct{ Cmd string }
		if json.Unmarshal(line, &stop) == nil && stop.Cmd == "stop" {
			return
		}
		text, _ := json.Marshal(respond(line))
		out.Write(append(text, '\n'))
		out.Flush()
	}
}
