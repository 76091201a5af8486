//! Skips and known failures of an implementation, read from a JSON file:
//!
//! ```json
//! {
//!   "skip": {"json_patch/edge-cases/test-1-vs-1.0": "compares numbers by representation"},
//!   "known_failures": {"merge_patch/rfc7396/*": "rejects non-object patches"}
//! }
//! ```
//!
//! Keys are vector ids or law IDs, or prefixes ending in `*`. Every entry
//! needs a non-empty reason, and an entry that matches nothing is a problem
//! of the run: the list must stay true.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::Status;

/// The skips and known failures of one implementation.
#[derive(Clone, Debug, Default)]
pub struct Expectations {
    skip: BTreeMap<String, String>,
    known_failures: BTreeMap<String, String>,
    used: RefCell<BTreeSet<String>>,
}

impl Expectations {
    /// Reads an expectations file.
    ///
    /// # Errors
    ///
    /// When the file cannot be read, is not of the documented shape, or an
    /// entry has an empty reason.
    pub fn load(path: &Path) -> Result<Expectations, String> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            skip: BTreeMap<String, String>,
            #[serde(default)]
            known_failures: BTreeMap<String, String>,
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let file: File =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        for (pattern, reason) in file.skip.iter().chain(&file.known_failures) {
            if reason.trim().is_empty() {
                return Err(format!("{}: {pattern:?} has no reason", path.display()));
            }
        }
        Ok(Expectations {
            skip: file.skip,
            known_failures: file.known_failures,
            used: RefCell::default(),
        })
    }

    /// The reason `id` is skipped, if it is.
    #[must_use]
    pub fn skip_reason(&self, id: &str) -> Option<&str> {
        self.lookup(&self.skip, id)
    }

    /// Turns the status of a listed known failure into `xfail` (it failed)
    /// or `xpass` (it passed: the list is out of date).
    #[must_use]
    pub fn apply_known_failure(
        &self,
        id: &str,
        status: Status,
        detail: String,
    ) -> (Status, String) {
        let Some(reason) = self.lookup(&self.known_failures, id) else {
            return (status, detail);
        };
        match status {
            Status::Pass => (
                Status::Xpass,
                format!("listed as a known failure ({reason}) but passed"),
            ),
            Status::Skipped => (status, detail),
            _ => (
                Status::Xfail,
                format!("{reason}; {}: {detail}", status.name()),
            ),
        }
    }

    /// Entries that matched no vector or law.
    #[must_use]
    pub fn unmatched(&self) -> Vec<String> {
        let used = self.used.borrow();
        self.skip
            .keys()
            .chain(self.known_failures.keys())
            .filter(|pattern| !used.contains(*pattern))
            .map(|pattern| format!("expectation {pattern:?} matches nothing"))
            .collect()
    }

    fn lookup<'a>(&self, table: &'a BTreeMap<String, String>, id: &str) -> Option<&'a str> {
        let (pattern, reason) = table.iter().find(|(pattern, _)| matches(pattern, id))?;
        self.used.borrow_mut().insert(pattern.clone());
        Some(reason)
    }
}

fn matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => pattern == id,
    }
}
