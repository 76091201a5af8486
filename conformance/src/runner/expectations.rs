//! Skips and known failures of an implementation, read from a JSON file:
//!
//! ```json
//! {
//!   "skip": {"json_patch/edge-cases/copy-doubling-limit": "no copy-size limit: it would exhaust memory"},
//!   "known_failures": {
//!     "json_patch/edge-cases/test-1-vs-1.0": "compares numbers by representation (RFC 6902 §4.6)",
//!     "merge_patch/rfc7396/*": "rejects non-object patches"
//!   }
//! }
//! ```
//!
//! Keys are vector ids or law IDs, or prefixes ending in `*`. An exact key
//! of `known_failures` turns a failure into `xfail` and a pass into `xpass`
//! (the list is out of date); a wildcard only ever turns failures into
//! `xfail`, so a pass under it stays a pass. Every entry needs a non-empty
//! reason, and an entry that is never used (an exact key that names nothing
//! of the run, a wildcard that matches no failure) is a problem of the run:
//! the list must stay true.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{Outcome, Status};

/// The skips and known failures of one implementation.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::runner::{Expectations, Status};
///
/// let expectations = Expectations::parse(r#"{"known_failures": {
///     "pointer/x/exact": "a reason", "pointer/y/*": "another"}}"#)?;
/// let (status, _) = expectations.apply_known_failure("pointer/x/exact", Status::Pass, String::new());
/// assert_eq!(status, Status::Xpass);
/// let (status, _) = expectations.apply_known_failure("pointer/y/a", Status::Pass, String::new());
/// assert_eq!(status, Status::Pass, "a wildcard never makes an xpass");
/// let (status, _) = expectations.apply_known_failure("pointer/y/b", Status::Fail, "wrong".into());
/// assert_eq!(status, Status::Xfail);
/// assert!(expectations.unmatched().is_empty());
/// # Ok::<(), String>(())
/// ```
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
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Expectations::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Reads the text of an expectations file.
    ///
    /// # Errors
    ///
    /// When the text is not of the documented shape, or an entry has an
    /// empty reason.
    pub fn parse(text: &str) -> Result<Expectations, String> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            skip: BTreeMap<String, String>,
            #[serde(default)]
            known_failures: BTreeMap<String, String>,
        }
        let file: File = serde_json::from_str(text).map_err(|e| e.to_string())?;
        for (pattern, reason) in file.skip.iter().chain(&file.known_failures) {
            if reason.trim().is_empty() {
                return Err(format!("{pattern:?} has no reason"));
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
        let (pattern, reason) = lookup(&self.skip, id)?;
        self.used.borrow_mut().insert(pattern.to_owned());
        Some(reason)
    }

    /// Turns the status of a listed known failure into `xfail` (it failed)
    /// or, when it is listed by its exact id, `xpass` (it passed: the list
    /// is out of date).
    #[must_use]
    pub fn apply_known_failure(
        &self,
        id: &str,
        status: Status,
        detail: String,
    ) -> (Status, String) {
        let Some((pattern, reason)) = lookup(&self.known_failures, id) else {
            return (status, detail);
        };
        let exact = !pattern.ends_with('*');
        if exact {
            self.used.borrow_mut().insert(pattern.to_owned());
        }
        let (status, detail) = match status {
            Status::Pass if exact => (
                Status::Xpass,
                format!("listed as a known failure ({reason}) but passed"),
            ),
            Status::Pass | Status::Skipped | Status::Unsupported => return (status, detail),
            _ => (
                Status::Xfail,
                format!("{reason}; {}: {detail}", status.name()),
            ),
        };
        self.used.borrow_mut().insert(pattern.to_owned());
        (status, detail)
    }

    /// Entries that were never used: an exact key that names nothing of the
    /// run, a wildcard that matched no failure (known failures) or nothing
    /// (skips).
    #[must_use]
    pub fn unmatched(&self) -> Vec<String> {
        let used = self.used.borrow();
        let skips = self
            .skip
            .keys()
            .filter(|p| !used.contains(*p))
            .map(|p| format!("expectation {p:?} matches nothing"));
        let failures = self
            .known_failures
            .keys()
            .filter(|p| !used.contains(*p))
            .map(|p| match p.ends_with('*') {
                true => format!("expectation {p:?} matches no failure"),
                false => format!("expectation {p:?} matches nothing"),
            });
        skips.chain(failures).collect()
    }

    /// A known-failures file listing every outcome of `outcomes` that fails
    /// or is a known failure, by exact id, each with its reason (for a new
    /// failure, its status and detail, to be replaced by the real reason):
    /// a starting point for an implementation's list.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::runner::{Expectations, Outcome, Status};
    ///
    /// let failed = Outcome::new("pointer/x/y", "pointer", Status::Fail, "expected 1, got 2");
    /// let text = Expectations::default().write(&[failed]);
    /// let back = Expectations::parse(&text)?;
    /// assert_eq!(back.apply_known_failure("pointer/x/y", Status::Fail, String::new()).0, Status::Xfail);
    /// # Ok::<(), String>(())
    /// ```
    #[must_use]
    pub fn write(&self, outcomes: &[Outcome]) -> String {
        let mut known = BTreeMap::new();
        for outcome in outcomes {
            let reason = match outcome.status {
                Status::Xfail => lookup(&self.known_failures, &outcome.id)
                    .map_or_else(|| outcome.detail.clone(), |(_, r)| r.to_owned()),
                status if status.is_failure(true) && status != Status::Xpass => {
                    let detail: String = outcome.detail.chars().take(200).collect();
                    format!("TODO: why ({status}: {detail})")
                }
                _ => continue,
            };
            known.insert(outcome.id.clone(), reason);
        }
        let mut file = serde_json::Map::new();
        if !self.skip.is_empty() {
            file.insert("skip".to_owned(), serde_json::json!(self.skip));
        }
        file.insert("known_failures".to_owned(), serde_json::json!(known));
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// The entry of `table` for `id`: its exact key, else the longest wildcard
/// that matches.
fn lookup<'a>(table: &'a BTreeMap<String, String>, id: &str) -> Option<(&'a str, &'a str)> {
    if let Some((pattern, reason)) = table.get_key_value(id) {
        return Some((pattern, reason));
    }
    table
        .iter()
        .filter(|(pattern, _)| {
            pattern
                .strip_suffix('*')
                .is_some_and(|prefix| id.starts_with(prefix))
        })
        .max_by_key(|(pattern, _)| pattern.len())
        .map(|(pattern, reason)| (pattern.as_str(), reason.as_str()))
}
