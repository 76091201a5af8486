//! What `patchlaw-conformance run` prints: the adapter's stderr in a log
//! file named in the report and never in it, unsupported operations on one
//! line per area, each failure with its input, expected and got, and the
//! same outcomes in JSON, JUnit XML and Markdown.

use std::process::Command;

use serde_json::Value;

use crate::vectors::Scratch;

/// An adapter in `sh` that claims `pointer.get`, answers `null` to every
/// request and writes a line to stderr for each.
const NULL_ADAPTER: &str = r#"read -r start; echo 'adapter starting' >&2; echo '{"protocol":1,"implementation":{"name":"nulls","language":"sh","version":"0"},"capabilities":["pointer.get"]}'; n=0; while read -r line; do n=$((n+1)); echo "request $n" >&2; echo "{\"seq\":$n,\"result\":null}"; done"#;

fn run(args: &[&str]) -> (String, String, Option<i32>) {
    let output = Command::new(env!("CARGO_BIN_EXE_patchlaw-conformance"))
        .arg("run")
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.code(),
    )
}

#[test]
fn the_text_report_keeps_adapter_noise_out_and_groups_unsupported() {
    let scratch = Scratch::new("report-text");
    let log = scratch.path("adapter.log");
    let log_arg = log.display().to_string();
    let (stdout, stderr, code) = run(&["--adapter", NULL_ADAPTER, "--adapter-log", &log_arg]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(!stdout.contains("request ") && !stderr.contains("request "));
    assert!(
        stdout.contains(&format!("adapter stderr: {log_arg} (")),
        "{stdout}"
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        logged.starts_with("adapter starting\nrequest 1\n"),
        "{logged}"
    );

    let unsupported: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("unsupported "))
        .collect();
    let areas = ["json_patch:", "merge_patch:", "strategic:", "three_way:"];
    assert_eq!(unsupported.len(), areas.len(), "{stdout}");
    for (line, area) in unsupported.iter().zip(areas) {
        assert!(line.contains(area), "{line}");
    }
    // A failure shows what was sent, what should come and what came.
    let at = stdout.find("fail               pointer/rfc6901/").unwrap();
    let failure: Vec<&str> = stdout[at..].lines().take(5).collect();
    assert!(failure[2].trim_start().starts_with("input:"), "{failure:?}");
    assert!(
        failure[3].trim_start().starts_with("expected:"),
        "{failure:?}"
    );
    assert_eq!(failure[4].trim_start(), r#"got:      {"result":null}"#);
    assert!(stdout.ends_with("skipped\n"), "{stdout}");
}

#[test]
fn the_other_formats_hold_the_same_outcomes() {
    let files = [
        "--vectors",
        concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/pointer/rfc6901.json"),
    ];
    let (json, _, code) = run(&[&files[..], &["--format", "json"]].concat());
    assert_eq!(code, Some(0));
    let report: Value = serde_json::from_str(&json).unwrap();
    let outcomes = report["outcomes"].as_array().unwrap();
    assert!(report["passed"].as_bool().unwrap());
    assert_eq!(
        report["totals"]["passed"].as_u64(),
        Some(outcomes.len() as u64)
    );
    assert!(outcomes
        .iter()
        .all(|o| o["status"] == "pass" && o["input"]["op"] == "pointer.get"));

    let (junit, _, _) = run(&[&files[..], &["--format", "junit"]].concat());
    assert!(junit.starts_with("<?xml"));
    assert_eq!(junit.matches("<testcase ").count(), outcomes.len());
    assert!(!junit.contains("<failure"));

    let (markdown, _, _) = run(&[&files[..], &["--format", "markdown"]].concat());
    assert!(
        markdown.contains(&format!("| pointer | {} |", outcomes.len())),
        "{markdown}"
    );
}

#[test]
fn list_shows_what_would_run() {
    let (stdout, _, code) = run(&["--list", "--laws", "--adapter", NULL_ADAPTER]);
    assert_eq!(code, Some(0));
    let line = |id: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap()
            .to_owned()
    };
    assert!(line("pointer/rfc6901/").ends_with(" run"));
    assert!(line("merge_patch/rfc7396/").ends_with(" unsupported"));
    assert!(
        line("json_patch/edge-cases/copy-doubling-limit").contains("no `max_copy_bytes` declared")
    );
    assert!(line("LAW-PTR-ROUNDTRIP").ends_with(" run"));
}

/// `--strict` checks each line against the protocol's JSON Schema and
/// reports each violation with the line.
#[test]
fn strict_reports_each_violation_with_its_line() {
    let bad = r#"read -r start; echo '{"protocol":1,"implementation":{"name":"bad","language":"sh","version":"0"},"capabilities":["pointer.get","pointer.set"]}'; n=0; while read -r line; do n=$((n+1)); echo "{\"seq\":$n,\"error\":{\"code\":\"NotFound\"}}"; done"#;
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/pointer/rfc6901.json");
    let (stdout, _, code) = run(&["--strict", "--adapter", bad, "--vectors", file]);
    assert_eq!(code, Some(1));
    let problems: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("problem: "))
        .collect();
    assert!(
        problems[0].starts_with("problem: handshake: /capabilities/1 is \"pointer.set\""),
        "{problems:?}"
    );
    assert!(
        problems[1].contains(r#"/error/code is "NotFound""#)
            && problems[1].contains(r#"in the line "{\"seq\":1,"#),
        "{problems:?}"
    );
    let (stdout, _, _) = run(&["--adapter", bad, "--vectors", file]);
    assert!(!stdout.contains("problem: "), "only under --strict");
}
