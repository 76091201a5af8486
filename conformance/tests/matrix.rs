//! `patchlaw-conformance matrix`: every adapter folder that is installed
//! runs with its known failures, one that is not is listed as such, and
//! the folder gets the Markdown table, the page, JSON lines, JUnit XML and
//! badges.

use std::process::Command;

use serde_json::Value;

use crate::vectors::Scratch;

/// An adapter in `sh` that claims `pointer.get` and answers `null`.
const NULLS: &str = r#"#!/bin/sh
[ "${1:-}" = --check ] && exit 0
read -r start
echo '{"protocol":1,"implementation":{"name":"nulls","language":"sh","version":"0"},"capabilities":["pointer.get"]}'
n=0
while read -r line; do n=$((n+1)); echo "{\"seq\":$n,\"result\":null}"; done
"#;

#[test]
fn the_matrix_runs_installed_adapters_and_lists_the_others() {
    let scratch = Scratch::new("matrix");
    scratch.write("adapters/nulls/run", NULLS);
    scratch.write(
        "adapters/nulls/known-failures.json",
        r#"{"known_failures": {"pointer/*": "answers null to everything", "LAW-PTR-*": "answers null to everything"}}"#,
    );
    scratch.write("adapters/absent/run", "#!/bin/sh\nexit 3\n");
    for name in ["nulls", "absent"] {
        let run = scratch.path(&format!("adapters/{name}/run"));
        let status = Command::new("/bin/chmod").arg("+x").arg(&run).status();
        assert!(status.is_ok_and(|s| s.success()));
    }
    let out = scratch.path("out");
    let done = Command::new(env!("CARGO_BIN_EXE_patchlaw-conformance"))
        .args(["matrix", "--cases", "2", "--jobs", "2", "--adapters"])
        .arg(scratch.path("adapters"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let table = String::from_utf8(done.stdout).unwrap();
    assert!(done.status.success(), "{table}");
    let line = |name: &str| {
        table
            .lines()
            .find(|l| l.starts_with(&format!("| {name}")))
            .unwrap()
            .to_owned()
    };
    assert!(line("absent").contains("not installed"), "{table}");
    assert!(
        line("nulls 0 (sh)").starts_with("| nulls 0 (sh) | 2/79 | – |"),
        "{table}"
    );
    assert!(line("patchlaw").contains("| 79/79 |"), "{table}");

    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("matrix.json")).unwrap()).unwrap();
    let names: Vec<&str> = summary["implementations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["patchlaw", "absent", "nulls"]);
    let records = std::fs::read_to_string(out.join("results.jsonl")).unwrap();
    let nulls = records
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["implementation"] == "nulls" && r["area"] == "pointer")
        .count();
    assert_eq!(nulls, 79);
    let badge: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("badges/nulls.json")).unwrap())
            .unwrap();
    assert_eq!(badge["schemaVersion"], 1);
    assert_eq!(badge["message"], "2/82");
    assert!(std::fs::read_to_string(out.join("junit/nulls.xml"))
        .unwrap()
        .contains("<testsuite name=\"pointer\""));
    assert!(!out.join("junit/absent.xml").exists());
    let page = std::fs::read_to_string(out.join("matrix.html")).unwrap();
    assert!(page.contains("\"name\":\"nulls\"") && !page.contains("/*DATA*/"));
}
