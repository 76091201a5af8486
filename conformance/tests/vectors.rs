//! Every vector passes on patchlaw, called directly and through the
//! `serve` command of the binary, driven as a foreign implementation.

use std::path::{Path, PathBuf};
use std::time::Duration;

use patchlaw_conformance::runner::{self, Adapter, Expectations, Status};
use patchlaw_conformance::{Implementation, Native, Op};

fn all_vectors() -> Vec<runner::Vector> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    runner::load_vectors(Some(&dir), &[]).unwrap()
}

/// A directory of one test's own, removed when dropped.
pub(crate) struct Scratch(PathBuf);

impl Scratch {
    pub(crate) fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("patchlaw-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// The path of `relative` under the directory.
    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }

    /// Writes `text` to `relative` under the directory; returns the path.
    pub(crate) fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn assert_all_pass(imp: &mut dyn Implementation) {
    let vectors = all_vectors();
    let outcomes = runner::run_vectors(imp, &vectors, &Expectations::default());
    let failures: Vec<String> = outcomes
        .iter()
        .filter(|o| o.status != Status::Pass)
        .map(|o| format!("{} {}: {}", o.status, o.id, o.detail))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(outcomes.len(), vectors.len());
}

#[test]
fn every_vector_passes_natively() {
    assert_all_pass(&mut Native::new());
}

#[test]
fn every_vector_passes_through_serve() {
    let command = format!("{} serve", env!("CARGO_BIN_EXE_patchlaw-conformance"));
    let mut adapter = Adapter::start(&command, Duration::from_secs(30)).unwrap();
    assert_eq!(adapter.info().name, "patchlaw");
    assert_all_pass(&mut adapter);
}

/// The RFC examples the issue names are all there, and vectors exist for
/// every operation patchlaw implements.
#[test]
fn the_rfc_examples_are_present() {
    let vectors = all_vectors();
    let count = |prefix: &str| vectors.iter().filter(|v| v.id.starts_with(prefix)).count();
    assert!(
        count("merge_patch/rfc7396/") >= 16,
        "RFC 7396: 15 Appendix A examples and §3"
    );
    assert!(count("pointer/rfc6901/") >= 12, "RFC 6901 §5: 12 examples");
    for op in [
        Op::PointerGet,
        Op::MergePatchApply,
        Op::MergePatchDiff,
        Op::MergePatchCompose,
    ] {
        assert!(vectors.iter().any(|v| v.op == Ok(op)), "no vector for {op}");
    }
    for code in [
        "invalid-pointer",
        "path-not-found",
        "invalid-index",
        "index-out-of-bounds",
        "not-a-container",
        "unrepresentable",
    ] {
        let expected = runner::ExpectedError::Code(code.to_owned());
        assert!(
            vectors.iter().any(|v| v.error.as_ref() == Some(&expected)),
            "no vector expects {code}"
        );
    }
}

/// The outcomes on patchlaw of the vector file `text`, written at
/// `relative` (whose directory is the area) in a scratch directory.
fn run_file_natively(relative: &str, text: &str) -> Vec<runner::Outcome> {
    let scratch = Scratch::new(&relative.replace(['/', '.'], "-"));
    let file = scratch.write(relative, text);
    let vectors = runner::load_vectors(None, &[file]).unwrap();
    runner::run_vectors(&mut Native::new(), &vectors, &Expectations::default())
}

/// The runner tells a wrong result, a wrong error and a missing error
/// apart, and judges a diff by what its patch does.
#[test]
fn the_runner_tells_outcomes_apart() {
    let outcomes = run_file_natively(
        "merge_patch/judging.json",
        r#"[
          {"name": "wrong-result", "doc": {}, "patch": {"a": 1}, "expected": {"a": 2}},
          {"name": "should-have-failed", "doc": {}, "patch": {"a": 1}, "error": "invalid-patch"},
          {"name": "wrong-error", "op": "merge_patch.diff", "from": {}, "to": {"a": null}, "error": "invalid-patch"},
          {"name": "should-have-passed", "op": "merge_patch.diff", "from": {}, "to": {"a": null}, "expected": {}},
          {"name": "diff-judged-by-effect", "op": "merge_patch.diff", "from": {"a": 1}, "to": {"a": 1.0}, "compare": "exact"},
          {"name": "result-error-but-applies", "op": "merge_patch.diff", "from": {}, "to": {"a": 1}, "result_error": "invalid-patch"},
          {"name": "semantic-default", "doc": {}, "patch": {"a": 1}, "expected": {"a": 1.0}},
          {"name": "exact", "doc": {}, "patch": {"a": 1}, "expected": {"a": 1.0}, "compare": "exact"},
          {"name": "skipped", "doc": {}, "patch": {}, "expected": {}, "disabled": "shows a skip"},
          {"name": "unknown-op", "op": "merge_patch.frobnicate", "doc": {}, "expected": {}}
        ]"#,
    );
    let status: Vec<(&str, Status)> = outcomes
        .iter()
        .map(|o| (o.id.rsplit('/').next().unwrap(), o.status))
        .collect();
    assert_eq!(
        status,
        [
            ("wrong-result", Status::Fail),
            ("should-have-failed", Status::ShouldHaveFailed),
            ("wrong-error", Status::WrongError),
            ("should-have-passed", Status::ShouldHavePassed),
            ("diff-judged-by-effect", Status::Pass),
            ("result-error-but-applies", Status::Fail),
            ("semantic-default", Status::Pass),
            ("exact", Status::Fail),
            ("skipped", Status::Skipped),
            ("unknown-op", Status::Errored),
        ]
    );
}

/// Duplicate names, a skip without a reason, an error beside an expected
/// result, a record without expectation, a misspelt or missing argument,
/// an unknown error code, and `result_error` beside `expected_result` or on
/// an op that is not a diff are refused when the file is read.
#[test]
fn malformed_vector_files_are_refused() {
    let scratch = Scratch::new("malformed");
    for (i, body) in [
        r#"[{"name": "a", "doc": 1, "patch": 1, "expected": 1}, {"name": "a", "doc": 1, "patch": 1, "expected": 1}]"#,
        r#"[{"name": "a", "doc": 1, "patch": 1, "expected": 1, "disabled": ""}]"#,
        r#"[{"name": "a", "doc": 1, "patch": 1, "expected": 1, "error": "invalid-patch"}]"#,
        r#"[{"name": "a", "doc": 1, "patch": 1}]"#,
        r#"[{"name": "a", "doc": 1, "patch": 1, "expcted": 1}]"#,
        r#"[{"name": "a", "doc": 1, "expected": 1}]"#,
        r#"[{"name": "a", "doc": 1, "patch": 1, "error": "no-such-code"}]"#,
        r#"[{"name": "a", "op": "merge_patch.diff", "from": {}, "to": {}, "result_error": "InvalidPatch"}]"#,
        r#"[{"name": "a", "op": "merge_patch.diff", "from": {}, "to": {}, "expected_result": {}, "result_error": "invalid-patch"}]"#,
        r#"[{"name": "a", "doc": 1, "patch": 1, "result_error": "invalid-patch"}]"#,
        r#"[{"name": "a", "op": "merge_patch.compose", "first": {}, "second": {}, "expected": {}, "result_error": "invalid-patch"}]"#,
        r#"{"name": "a"}"#,
    ]
    .into_iter()
    .enumerate()
    {
        let file = scratch.write(&format!("merge_patch/bad{i}.json"), body);
        assert!(runner::vectors::load(&file).is_err(), "{body}");
    }
}

/// A known failure listed by its exact id becomes xfail, or xpass when it
/// passes; a wildcard turns failures into xfail and leaves passes alone;
/// an expectation that is never used is a problem of the run.
#[test]
fn expectations_are_kept_honest() {
    let scratch = Scratch::new("expectations");
    let path = scratch.write(
        "expectations.json",
        r#"{"known_failures": {
              "merge_patch/rfc7396/appendix-a-01-replace-member": "claims to fail",
              "merge_patch/*": "matches only passes",
              "nowhere/x/y": "matches nothing"},
            "skip": {"pointer/rfc6901/*": "not under test"}}"#,
    );
    let expectations = Expectations::load(&path).unwrap();
    let outcomes = runner::run_vectors(&mut Native::new(), &all_vectors(), &expectations);
    let status = |id: &str| outcomes.iter().find(|o| o.id == id).unwrap().status;
    assert_eq!(
        status("merge_patch/rfc7396/appendix-a-01-replace-member"),
        Status::Xpass
    );
    assert!(outcomes
        .iter()
        .filter(|o| o.id.starts_with("merge_patch/") && !o.id.contains("appendix-a-01"))
        .all(|o| o.status == Status::Pass));
    assert!(outcomes
        .iter()
        .filter(|o| o.id.starts_with("pointer/"))
        .all(|o| o.status == Status::Skipped));
    assert_eq!(
        expectations.unmatched(),
        [
            "expectation \"merge_patch/*\" matches no failure",
            "expectation \"nowhere/x/y\" matches nothing"
        ]
    );

    let path = scratch.write("no-reason.json", r#"{"skip": {"a": ""}}"#);
    assert!(Expectations::load(&path).is_err(), "a skip needs a reason");
}

/// A wildcard that covers failures makes them xfail, and the file
/// `--write-expectations` writes lists exactly the failures, by id.
#[test]
fn wildcards_cover_failures_and_expectations_can_be_written() {
    let outcomes = run_file_natively(
        "merge_patch/known.json",
        r#"[
          {"name": "wrong-1", "doc": {}, "patch": {"a": 1}, "expected": {"a": 2}},
          {"name": "wrong-2", "doc": {}, "patch": {"a": 1}, "expected": {"a": 3}},
          {"name": "right", "doc": {}, "patch": {"a": 1}, "expected": {"a": 1}}
        ]"#,
    );
    let written = Expectations::default().write(&outcomes);
    let listed: serde_json::Value = serde_json::from_str(&written).unwrap();
    let ids: Vec<&String> = listed["known_failures"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(
        ids,
        ["merge_patch/known/wrong-1", "merge_patch/known/wrong-2"]
    );

    let wildcard =
        Expectations::parse(r#"{"known_failures": {"merge_patch/known/*": "a reason"}}"#).unwrap();
    let judged: Vec<Status> = outcomes
        .iter()
        .map(|o| {
            wildcard
                .apply_known_failure(&o.id, o.status, o.detail.clone())
                .0
        })
        .collect();
    assert_eq!(judged, [Status::Xfail, Status::Xfail, Status::Pass]);
    assert!(wildcard.unmatched().is_empty());
}

/// The vectors built into the binary are the files of `vectors/`.
#[test]
fn the_embedded_vectors_are_the_vector_files() {
    assert_eq!(runner::vectors::embedded().unwrap(), all_vectors());
}

/// Files in the community json-patch-tests format run unchanged: records
/// without `name` are numbered, their `error` text is only a hint (any
/// error passes), `disabled: true` is a skip with reason "upstream", and a
/// record with neither `expected` nor `error` must merely succeed.
#[test]
fn community_format_files_run_unchanged() {
    let outcomes = run_file_natively(
        "tests.json",
        r#"[
          {"comment": "append", "doc": {"a": []}, "patch": [{"op": "add", "path": "/a/-", "value": 1}], "expected": {"a": [1]}},
          {"comment": "hint only", "doc": {}, "patch": [{"op": "remove", "path": "/x"}], "error": "whatever the text says"},
          {"comment": "must succeed", "doc": {}, "patch": [{"op": "add", "path": "/x", "value": 1}]},
          {"comment": "skipped", "doc": {}, "patch": [], "expected": {}, "disabled": true},
          {"comment": "a wrong expectation still fails", "doc": {}, "patch": [], "expected": {"a": 1}}
        ]"#,
    );
    let got: Vec<(&str, Status, &str)> = outcomes
        .iter()
        .map(|o| (o.id.as_str(), o.status, o.detail.as_str()))
        .collect();
    assert_eq!(got[0], ("json_patch/tests/0", Status::Pass, ""));
    assert_eq!(got[1].1, Status::Pass);
    assert_eq!(got[2].1, Status::Pass);
    assert_eq!(
        (got[3].1, got[3].2),
        (Status::Skipped, "disabled: upstream")
    );
    assert_eq!(got[4].1, Status::Fail);
}
