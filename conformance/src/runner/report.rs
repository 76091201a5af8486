//! The report of one run: outcomes grouped per area, rendered as text (for
//! a terminal: one screen when everything passes), JSON, JUnit XML or
//! Markdown.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::{json, Value};

use super::{Outcome, Status};

/// A rendering of a [`Report`].
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::runner::Format;
///
/// assert_eq!("junit".parse::<Format>(), Ok(Format::Junit));
/// assert!("yaml".parse::<Format>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// Lines for a person.
    Text,
    /// One JSON document.
    Json,
    /// JUnit XML, one test suite per area.
    Junit,
    /// A Markdown table and the failures.
    Markdown,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(name: &str) -> Result<Format, String> {
        match name {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "junit" => Ok(Format::Junit),
            "markdown" => Ok(Format::Markdown),
            other => Err(format!(
                "unknown format {other:?}: text, json, junit or markdown"
            )),
        }
    }
}

/// Outcomes grouped per area, printable as the run's summary.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    /// Who was checked.
    pub implementation: String,
    /// Every outcome, in run order.
    pub outcomes: Vec<Outcome>,
    /// Problems with the run itself (expectations that match nothing, …).
    pub problems: Vec<String>,
    /// Whether `unsupported` is acceptable.
    pub allow_unsupported: bool,
    /// The file the adapter's stderr went to.
    pub stderr_log: Option<PathBuf>,
}

/// The totals of a report.
///
/// # Examples
///
/// ```
/// let totals = patchlaw_conformance::runner::Report::default().totals();
/// assert_eq!((totals.passed, totals.failed), (0, 0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Totals {
    /// `pass` and `xfail`.
    pub passed: usize,
    /// Statuses that fail the run (`unsupported` unless allowed).
    pub failed: usize,
    /// `skipped`.
    pub skipped: usize,
    /// `unsupported`, whether allowed or not.
    pub unsupported: usize,
}

impl Report {
    /// Whether the run passed: no failing outcome and no problem.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw_conformance::runner::Report::default().passed());
    /// ```
    #[must_use]
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
            && !self
                .outcomes
                .iter()
                .any(|o| o.status.is_failure(self.allow_unsupported))
    }

    /// The counts of each status, per area.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw_conformance::runner::Report::default().counts().is_empty());
    /// ```
    #[must_use]
    pub fn counts(&self) -> BTreeMap<&str, BTreeMap<Status, usize>> {
        let mut counts: BTreeMap<&str, BTreeMap<Status, usize>> = BTreeMap::new();
        for outcome in &self.outcomes {
            *counts
                .entry(&outcome.area)
                .or_default()
                .entry(outcome.status)
                .or_default() += 1;
        }
        counts
    }

    /// The totals: passed, failed, skipped and unsupported, each outcome
    /// counted once (an allowed `unsupported` counts as unsupported only).
    #[must_use]
    pub fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        for outcome in &self.outcomes {
            match outcome.status {
                Status::Pass | Status::Xfail => totals.passed += 1,
                Status::Skipped => totals.skipped += 1,
                Status::Unsupported => totals.unsupported += 1,
                _ => {}
            }
            if outcome.status.is_failure(self.allow_unsupported) {
                totals.failed += 1;
            }
        }
        totals
    }

    /// The report in `format`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::runner::{Format, Report};
    ///
    /// let report = Report::default();
    /// assert!(report.render_as(Format::Json).contains("\"passed\": true"));
    /// assert!(report.render_as(Format::Junit).starts_with("<?xml"));
    /// ```
    #[must_use]
    pub fn render_as(&self, format: Format) -> String {
        match format {
            Format::Text => self.render(),
            Format::Json => {
                let mut text = serde_json::to_string_pretty(&self.to_json()).unwrap_or_default();
                text.push('\n');
                text
            }
            Format::Junit => self.junit(),
            Format::Markdown => self.markdown(),
        }
    }

    /// The report as text: a line per area with its counts, the
    /// unsupported operations (one line per area), every other outcome that
    /// is not a pass with its id, detail, input, expected and got, then a
    /// verdict.
    ///
    /// # Examples
    ///
    /// ```
    /// let text = patchlaw_conformance::runner::Report::default().render();
    /// assert!(text.contains("0 passed, 0 failed"));
    /// ```
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        if !self.implementation.is_empty() {
            let _ = writeln!(out, "implementation: {}", self.implementation);
        }
        if let Some(log) = &self.stderr_log {
            let _ = writeln!(out, "adapter stderr: {}", describe_log(log));
        }
        for (area, counts) in self.counts() {
            let total: usize = counts.values().sum();
            let parts: Vec<String> = counts
                .iter()
                .map(|(status, n)| format!("{n} {status}"))
                .collect();
            let _ = writeln!(out, "{area:<12} {total:>5} checked: {}", parts.join(", "));
        }
        let unsupported = self.unsupported_by_area();
        if !unsupported.is_empty() {
            let _ = writeln!(out);
        }
        for (area, (count, reasons)) in &unsupported {
            let reasons: Vec<&str> = reasons.iter().map(String::as_str).collect();
            let _ = writeln!(
                out,
                "{:<18} {area}: {count} cases ({})",
                "unsupported",
                reasons.join("; ")
            );
        }
        let notable: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|o| !matches!(o.status, Status::Pass | Status::Unsupported))
            .collect();
        if !notable.is_empty() {
            let _ = writeln!(out);
        }
        for outcome in notable {
            let _ = writeln!(out, "{:<18} {}", outcome.status.name(), outcome.id);
            if !outcome.detail.is_empty() {
                let _ = writeln!(out, "{:<18} {}", "", outcome.detail);
            }
            if outcome.status.is_failure(self.allow_unsupported) {
                for (label, value) in [
                    ("input:", &outcome.input),
                    ("expected:", &outcome.expected),
                    ("got:", &outcome.got),
                ] {
                    if let Some(value) = value {
                        let _ = writeln!(
                            out,
                            "{:<18} {label:<9} {}",
                            "",
                            crate::implementation::abbreviate(value)
                        );
                    }
                }
            }
        }
        for problem in &self.problems {
            let _ = writeln!(out, "problem: {problem}");
        }
        let totals = self.totals();
        let _ = writeln!(out);
        if totals.unsupported > 0 {
            let verdict = if self.allow_unsupported {
                "allowed"
            } else {
                "each fails the run; --allow-unsupported allows them"
            };
            let _ = writeln!(
                out,
                "unsupported: {} cases not run ({verdict})",
                totals.unsupported
            );
        }
        let _ = writeln!(
            out,
            "conformance: {} passed, {} failed, {} skipped",
            totals.passed, totals.failed, totals.skipped
        );
        out
    }

    /// The `unsupported` outcomes per area: how many, and why (the
    /// operations the handshake does not list, in one reason; at most three
    /// other reasons).
    fn unsupported_by_area(&self) -> BTreeMap<&str, (usize, Vec<String>)> {
        let mut by_area: BTreeMap<&str, (usize, Vec<String>, Vec<&str>)> = BTreeMap::new();
        for outcome in self
            .outcomes
            .iter()
            .filter(|o| o.status == Status::Unsupported)
        {
            let (count, reasons, ops) = by_area.entry(&outcome.area).or_default();
            *count += 1;
            match outcome.detail.strip_prefix(super::NOT_IN_HANDSHAKE) {
                Some(op) if !ops.contains(&op) => ops.push(op),
                Some(_) => {}
                None if !reasons.contains(&outcome.detail) && reasons.len() < 3 => {
                    reasons.push(outcome.detail.clone());
                }
                None => {}
            }
        }
        by_area
            .into_iter()
            .map(|(area, (count, mut reasons, mut ops))| {
                if !ops.is_empty() {
                    ops.sort_unstable();
                    reasons.insert(0, format!("{}{}", super::NOT_IN_HANDSHAKE, ops.join(", ")));
                }
                (area, (count, reasons))
            })
            .collect()
    }

    /// The report as one JSON value: the implementation, whether it
    /// passed, the totals, the counts per area, every outcome and the
    /// problems.
    ///
    /// # Examples
    ///
    /// ```
    /// let json = patchlaw_conformance::runner::Report::default().to_json();
    /// assert_eq!(json["totals"]["failed"], 0);
    /// ```
    #[must_use]
    pub fn to_json(&self) -> Value {
        let counts: BTreeMap<&str, BTreeMap<&str, usize>> = self
            .counts()
            .into_iter()
            .map(|(area, c)| (area, c.into_iter().map(|(s, n)| (s.name(), n)).collect()))
            .collect();
        json!({
            "implementation": self.implementation,
            "passed": self.passed(),
            "allow_unsupported": self.allow_unsupported,
            "stderr_log": self.stderr_log,
            "totals": self.totals(),
            "areas": counts,
            "outcomes": self.outcomes.iter().map(outcome_json).collect::<Vec<_>>(),
            "problems": self.problems,
        })
    }

    /// The report as JUnit XML: one `testsuite` per area, one `testcase`
    /// per outcome; failing statuses are `failure`s, `skipped`,
    /// `unsupported` (when allowed) and `xfail` are `skipped`.
    #[must_use]
    pub fn junit(&self) -> String {
        let totals = self.totals();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
            xml(&self.implementation),
            self.outcomes.len(),
            totals.failed,
            totals.skipped + totals.unsupported
        );
        for (area, counts) in self.counts() {
            let cases: Vec<&Outcome> = self.outcomes.iter().filter(|o| o.area == area).collect();
            let failures = cases
                .iter()
                .filter(|o| o.status.is_failure(self.allow_unsupported))
                .count();
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{}\">",
                xml(area),
                cases.len(),
                counts
                    .iter()
                    .filter(|(s, _)| !s.is_failure(self.allow_unsupported) && **s != Status::Pass)
                    .map(|(_, n)| n)
                    .sum::<usize>()
            );
            for outcome in cases {
                let _ = write!(
                    out,
                    "    <testcase classname=\"{}\" name=\"{}\"",
                    xml(area),
                    xml(&outcome.id)
                );
                if outcome.status == Status::Pass {
                    let _ = writeln!(out, "/>");
                    continue;
                }
                let _ = writeln!(out, ">");
                let message = format!("{}: {}", outcome.status, outcome.detail);
                if outcome.status.is_failure(self.allow_unsupported) {
                    let body = [
                        ("input", &outcome.input),
                        ("expected", &outcome.expected),
                        ("got", &outcome.got),
                    ]
                    .iter()
                    .filter_map(|(label, v)| v.as_ref().map(|v| format!("{label}: {v}")))
                    .collect::<Vec<_>>()
                    .join("\n");
                    let _ = writeln!(
                        out,
                        "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                        outcome.status,
                        xml(&message),
                        xml(&body)
                    );
                } else {
                    let _ = writeln!(out, "      <skipped message=\"{}\"/>", xml(&message));
                }
                let _ = writeln!(out, "    </testcase>");
            }
            let _ = writeln!(out, "  </testsuite>");
        }
        let _ = writeln!(out, "</testsuites>");
        out
    }

    /// The report as Markdown: a table of the counts per area, the
    /// failures with their details, and the verdict.
    #[must_use]
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "## {}\n", md(&self.implementation));
        let statuses: Vec<Status> = {
            let mut all: Vec<Status> = self.outcomes.iter().map(|o| o.status).collect();
            all.sort();
            all.dedup();
            all
        };
        let header: Vec<&str> = statuses.iter().map(|s| s.name()).collect();
        let _ = writeln!(out, "| area | {} |", header.join(" | "));
        let _ = writeln!(out, "|---|{}", "---:|".repeat(statuses.len()));
        for (area, counts) in self.counts() {
            let cells: Vec<String> = statuses
                .iter()
                .map(|s| counts.get(s).copied().unwrap_or(0).to_string())
                .collect();
            let _ = writeln!(out, "| {area} | {} |", cells.join(" | "));
        }
        let failures: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|o| o.status.is_failure(self.allow_unsupported))
            .collect();
        if !failures.is_empty() {
            let _ = writeln!(out, "\n### Failures\n");
        }
        for outcome in failures {
            let _ = writeln!(
                out,
                "- **{}** `{}`: {}",
                outcome.status,
                outcome.id,
                md(&outcome.detail)
            );
        }
        for problem in &self.problems {
            let _ = writeln!(out, "- problem: {}", md(problem));
        }
        let totals = self.totals();
        let _ = writeln!(
            out,
            "\n{} passed, {} failed, {} skipped, {} unsupported",
            totals.passed, totals.failed, totals.skipped, totals.unsupported
        );
        out
    }
}

/// An outcome as one JSON record.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::runner::{outcome_json, Outcome, Status};
///
/// let record = outcome_json(&Outcome::new("a/b/c", "a", Status::Fail, "why"));
/// assert_eq!(record["status"], "fail");
/// ```
#[must_use]
pub fn outcome_json(outcome: &Outcome) -> Value {
    json!({
        "id": outcome.id,
        "area": outcome.area,
        "status": outcome.status.name(),
        "detail": outcome.detail,
        "spec": outcome.spec,
        "input": outcome.input,
        "expected": outcome.expected,
        "got": outcome.got,
    })
}

/// The log's path and how many lines it holds.
fn describe_log(log: &std::path::Path) -> String {
    match std::fs::read(log) {
        Ok(bytes) => {
            let lines = bytes.iter().filter(|b| **b == b'\n').count();
            format!("{} ({lines} lines)", log.display())
        }
        Err(_) => format!("{} (nothing written)", log.display()),
    }
}

/// `text` escaped for XML attributes and text.
pub(crate) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot hold.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// `text` on one line, with the characters Markdown tables read escaped.
pub(crate) fn md(text: &str) -> String {
    text.replace('\n', " ").replace('|', "\\|")
}
