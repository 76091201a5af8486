//! `patchlaw-conformance fuzz`: patchlaw through `serve` agrees with
//! itself; an implementation that answers wrongly is caught, the case is
//! shrunk and printed as a vector the loader accepts, and a seed gives the
//! same run.

use std::process::Command;

use patchlaw_conformance::runner::vectors;

use crate::vectors::Scratch;

fn fuzz(args: &[&str]) -> (String, Option<i32>) {
    let output = Command::new(env!("CARGO_BIN_EXE_patchlaw-conformance"))
        .arg("fuzz")
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    // The last line names the adapter's log, which differs from run to run.
    let report = stdout
        .lines()
        .filter(|l| !l.starts_with("adapter stderr:"))
        .collect::<Vec<_>>()
        .join("\n");
    (report, output.status.code())
}

#[test]
fn patchlaw_agrees_with_itself_through_serve() {
    let serve = format!("{} serve", env!("CARGO_BIN_EXE_patchlaw-conformance"));
    let (report, code) = fuzz(&["--adapter", &serve, "--cases", "40"]);
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report.contains("json_patch.apply           40 cases,     0 disagreements"),
        "{report}"
    );
}

#[test]
fn a_wrong_answer_is_shrunk_into_a_vector() {
    // Answers `null` to every pointer.get.
    let nulls = r#"read -r start; echo '{"protocol":1,"implementation":{"name":"nulls","language":"sh","version":"0"},"capabilities":["pointer.get"]}'; n=0; while read -r line; do n=$((n+1)); echo "{\"seq\":$n,\"result\":null}"; done"#;
    let scratch = Scratch::new("fuzz");
    let out = scratch.path("found.json");
    let out_arg = out.display().to_string();
    let args = [
        "--adapter",
        nulls,
        "--cases",
        "30",
        "--seed",
        "7",
        "--vectors-out",
        &out_arg,
    ];
    let (report, code) = fuzz(&args);
    assert_eq!(code, Some(1), "{report}");
    assert!(
        report.contains("pointer.get: different results"),
        "{report}"
    );
    assert_eq!(fuzz(&args).0, report, "the same seed, the same run");

    // The vectors load as they are, and patchlaw passes them.
    let file = scratch.write(
        "pointer/found.json",
        &std::fs::read_to_string(&out).unwrap(),
    );
    let found = vectors::load(&file).unwrap();
    assert!(!found.is_empty());
    let outcomes = patchlaw_conformance::runner::run_vectors(
        &mut patchlaw_conformance::Native::new(),
        &found,
        &patchlaw_conformance::runner::Expectations::default(),
    );
    assert!(outcomes
        .iter()
        .all(|o| o.status == patchlaw_conformance::runner::Status::Pass));
    // Shrunk: the document of the smallest "different results" case is small.
    let different = found
        .iter()
        .find(|v| {
            v.comment
                .as_deref()
                .is_some_and(|c| c.contains("different results"))
        })
        .unwrap();
    assert!(
        different.args["doc"].to_string().len() <= 20,
        "{:?}",
        different.args
    );
}
