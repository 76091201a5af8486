//! Law traceability: every law stated in `spec/` is named by a test, and
//! every law a test names is stated in `spec/`.
//!
//! A law is a heading `### LAW-<AREA>-<NAME>: <title>` with one
//! `Checked by: <file>` line. Unless it carries `Status: pending`, the file
//! it names must exist and name the law, and so must the tests.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

struct Law {
    file: String,
    checked_by: Option<String>,
    pending: bool,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn spec_laws() -> BTreeMap<String, Law> {
    let mut laws = BTreeMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("spec"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut current: Option<String> = None;
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("### ") {
                current = None;
                if let Some(id) = rest
                    .strip_prefix("LAW-")
                    .map(|_| rest.split(':').next().unwrap().trim().to_owned())
                {
                    assert!(is_law_id(&id), "{file}: malformed law heading {line:?}");
                    assert!(
                        rest.contains(": "),
                        "{file}: law heading without a title: {line:?}"
                    );
                    let previous = laws.insert(
                        id.clone(),
                        Law {
                            file: file.clone(),
                            checked_by: None,
                            pending: false,
                        },
                    );
                    assert!(previous.is_none(), "{id} is stated twice");
                    current = Some(id);
                }
                continue;
            }
            if line.starts_with("## ") || line.starts_with("# ") {
                current = None;
            }
            let Some(id) = &current else { continue };
            let law = laws.get_mut(id).unwrap();
            if let Some(at) = line.find("Checked by:") {
                assert!(law.checked_by.is_none(), "{id} has two `Checked by:` lines");
                let target = line[at + "Checked by:".len()..]
                    .trim()
                    .trim_end_matches('.')
                    .trim_matches('`');
                law.checked_by = Some(target.to_owned());
            }
            if line.trim_start().starts_with("Status: pending") {
                law.pending = true;
            }
        }
    }
    laws
}

/// `LAW-` followed by an area and a name of capitals, digits and dashes.
fn is_law_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("LAW-") else {
        return false;
    };
    let Some((area, name)) = rest.split_once('-') else {
        return false;
    };
    ["PTR", "MP", "JP", "SMP", "TW", "LT", "LIM"].contains(&area)
        && !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
}

/// Every law ID named in the Rust files under `dir` (but this file, whose
/// examples are not claims).
fn named_in(dir: &Path, found: &mut BTreeMap<String, BTreeSet<PathBuf>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            named_in(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("traceability.rs")
        {
            let text = std::fs::read_to_string(&path).unwrap();
            for (at, _) in text.match_indices("LAW-") {
                let id: String = text[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '-')
                    .collect();
                // `LAW-MP-*` speaks of an area, not of a law.
                let wildcard = text[at + id.len()..].starts_with('*');
                let id = id.trim_end_matches('-').to_owned();
                if !wildcard {
                    found.entry(id).or_default().insert(path.clone());
                }
            }
        }
    }
}

fn test_dirs() -> Vec<PathBuf> {
    ["conformance/tests", "core/tests"]
        .iter()
        .map(|d| root().join(d))
        .filter(|d| d.is_dir())
        .collect()
}

#[test]
fn every_law_is_stated_well() {
    let laws = spec_laws();
    assert!(laws.len() >= 13, "only {} laws found in spec/", laws.len());
    for (id, law) in &laws {
        let checked_by = law
            .checked_by
            .as_deref()
            .unwrap_or_else(|| panic!("{id} ({}) has no `Checked by:` line", law.file));
        if law.pending {
            continue;
        }
        let path = root().join(checked_by);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{id}: `Checked by: {checked_by}`: {e}"));
        assert!(
            text.contains(id.as_str()),
            "{id}: {checked_by} does not name it"
        );
    }
}

#[test]
fn every_law_is_named_by_a_test_and_every_named_law_exists() {
    let laws = spec_laws();
    let mut named = BTreeMap::new();
    for dir in test_dirs() {
        named_in(&dir, &mut named);
    }
    for (id, law) in &laws {
        match (law.pending, named.get(id)) {
            (false, None) => panic!("{id} ({}) is named by no test", law.file),
            (true, Some(files)) => panic!(
                "{id} is pending in spec/{} but named by {files:?}: drop `Status: pending`",
                law.file
            ),
            _ => {}
        }
    }
    for (id, files) in &named {
        assert!(
            laws.contains_key(id),
            "{files:?} name {id}, which spec/ does not state"
        );
    }
}

/// The catalogue declares exactly the laws that spec/ states and does not
/// mark pending: each law is paired with its cases.
#[test]
fn the_law_catalogue_matches_the_spec() {
    let laws = spec_laws();
    let catalogue = patchlaw_conformance::laws::catalogue();
    for check in &catalogue {
        let law = laws.get(check.id).unwrap_or_else(|| {
            panic!(
                "the catalogue checks {}, which spec/ does not state",
                check.id
            )
        });
        assert!(!law.pending, "{} is pending in spec/ but checked", check.id);
    }
    for (id, law) in &laws {
        assert!(
            law.pending || catalogue.iter().any(|check| check.id == id),
            "{id} ({}) has no declaration in the law catalogue",
            law.file
        );
    }
}

#[test]
fn the_parser_recognises_law_ids() {
    assert!(is_law_id("LAW-MP-IDEMPOTENT"));
    assert!(is_law_id("LAW-JP-DIFF-SELF"));
    assert!(!is_law_id("LAW-XX-IDEMPOTENT"));
    assert!(!is_law_id("LAW-MP-"));
    assert!(!is_law_id("LAW-mp-x"));
}
