//! The comparison of implementations: patchlaw and every adapter of a
//! directory (`conformance/adapters/<name>/`, each with an executable
//! `run` and a `known-failures.json`), run on the same vectors and laws,
//! and written into one folder as Markdown, a self-contained HTML page,
//! JSON lines, JUnit XML and shields.io badges.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{json, Value};

use super::report::md;
use super::{
    outcome_json, run_laws_with, run_vectors_with, Adapter, Expectations, Options, Outcome, Report,
    Settings, Status, Vector,
};
use crate::Native;

/// The areas of the matrix's columns, in order.
pub const AREAS: [&str; 6] = [
    "pointer",
    "merge_patch",
    "json_patch",
    "strategic",
    "three_way",
    "laws",
];

/// An adapter folder: `<dir>/run` starts it, `<dir>/run --check` says
/// whether it is installed, `<dir>/known-failures.json` lists its known
/// failures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterDir {
    /// The folder's name.
    pub name: String,
    /// The folder.
    pub dir: PathBuf,
}

impl AdapterDir {
    /// Every adapter folder under `dir` (those with a `run` file), by name.
    ///
    /// # Errors
    ///
    /// When `dir` cannot be read.
    pub fn discover(dir: &Path) -> Result<Vec<AdapterDir>, String> {
        let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut found: Vec<AdapterDir> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join("run").is_file())
            .map(|dir| AdapterDir {
                name: dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                dir,
            })
            .collect();
        found.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(found)
    }

    /// Whether `run --check` succeeds.
    #[must_use]
    pub fn installed(&self) -> bool {
        Command::new(self.dir.join("run"))
            .arg("--check")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

/// One row of the matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The implementation's name (the adapter folder's, or `patchlaw`).
    pub name: String,
    /// Its name, version and language as its handshake says, or why it
    /// did not run.
    pub implementation: String,
    /// Whether it ran (installed, and its handshake succeeded).
    pub ran: bool,
    /// Its report.
    pub report: Report,
    /// How long it took.
    pub seconds: f64,
}

/// The counts of one cell: an implementation on one area.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::runner::matrix::Cell;
///
/// assert_eq!(Cell::default().text(), "–");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Cell {
    /// `pass`.
    pub passed: usize,
    /// Cases sent (everything but `unsupported` and `skipped`).
    pub run: usize,
    /// `xfail`: listed known failures.
    pub known: usize,
    /// Statuses that fail the run.
    pub failed: usize,
    /// `crash`.
    pub crashes: usize,
    /// `timeout`.
    pub timeouts: usize,
}

impl Cell {
    /// The counts of `outcomes` in `area`.
    #[must_use]
    pub fn of(outcomes: &[Outcome], area: &str) -> Cell {
        let mut cell = Cell::default();
        for outcome in outcomes.iter().filter(|o| o.area == area) {
            let status = match outcome.status {
                Status::Xfail => {
                    cell.known += 1;
                    // The original status, as the detail records it.
                    if outcome.detail.contains("; crash:") {
                        cell.crashes += 1;
                    } else if outcome.detail.contains("; timeout:") {
                        cell.timeouts += 1;
                    }
                    Status::Xfail
                }
                status => status,
            };
            match status {
                Status::Unsupported | Status::Skipped => continue,
                Status::Pass => cell.passed += 1,
                Status::Crash => cell.crashes += 1,
                Status::Timeout => cell.timeouts += 1,
                _ => {}
            }
            if status.is_failure(true) {
                cell.failed += 1;
            }
            cell.run += 1;
        }
        cell
    }

    /// `passed/run`, then crashes and timeouts when there are any; `–`
    /// when nothing ran.
    #[must_use]
    pub fn text(&self) -> String {
        if self.run == 0 {
            return "–".to_owned();
        }
        let mut text = format!("{}/{}", self.passed, self.run);
        if self.crashes > 0 {
            let _ = write!(text, ", {} crash", self.crashes);
        }
        if self.timeouts > 0 {
            let _ = write!(text, ", {} timeout", self.timeouts);
        }
        text
    }
}

/// Runs patchlaw and each installed adapter of `adapters` on `vectors`
/// (and the laws), `jobs` at a time; adapters not installed get a row that
/// says so.
#[must_use]
pub fn run(
    adapters: &[AdapterDir],
    vectors: &[Vector],
    options: Options,
    jobs: usize,
    logs: &Path,
) -> Vec<Row> {
    let mut names = vec![None];
    names.extend(adapters.iter().map(Some));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let rows = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(entry) = names.get(i) else { break };
                let row = run_one(*entry, vectors, options, logs);
                rows.lock().map(|mut r| r.push((i, row))).ok();
            });
        }
    });
    let mut rows = rows.into_inner().unwrap_or_default();
    rows.sort_by_key(|(i, _)| *i);
    rows.into_iter().map(|(_, row)| row).collect()
}

fn run_one(entry: Option<&AdapterDir>, vectors: &[Vector], options: Options, logs: &Path) -> Row {
    let started = Instant::now();
    let mut report = Report {
        allow_unsupported: true,
        ..Report::default()
    };
    let (name, ran) = match entry {
        None => {
            let mut native = Native::new();
            let info = crate::Implementation::info(&native);
            report.implementation = format!("{} {} ({})", info.name, info.version, info.language);
            let expectations = Expectations::default();
            report.outcomes =
                run_vectors_with(&mut native, vectors, &expectations, options, &mut |_| {});
            report.outcomes.extend(run_laws_with(
                &mut native,
                true,
                &expectations,
                options,
                &mut |_| {},
            ));
            ("patchlaw".to_owned(), true)
        }
        Some(adapter) => (
            adapter.name.clone(),
            run_adapter(adapter, vectors, options, logs, &mut report),
        ),
    };
    Row {
        name,
        implementation: report.implementation.clone(),
        ran,
        report,
        seconds: started.elapsed().as_secs_f64(),
    }
}

fn run_adapter(
    adapter: &AdapterDir,
    vectors: &[Vector],
    options: Options,
    logs: &Path,
    report: &mut Report,
) -> bool {
    if !adapter.installed() {
        report.implementation = format!(
            "not installed (run {})",
            adapter.dir.join("install").display()
        );
        return false;
    }
    let expectations = match Expectations::load(&adapter.dir.join("known-failures.json")) {
        Ok(expectations) => expectations,
        Err(why) => {
            report.problems.push(why);
            Expectations::default()
        }
    };
    let log = logs.join(format!("{}.stderr.log", adapter.name));
    let _ = std::fs::remove_file(&log);
    let command = shell_quote(&adapter.dir.join("run"));
    let settings = Settings::new(options.timeout).stderr_log(log.clone());
    let mut imp = match Adapter::start_with(&command, settings) {
        Ok(imp) => imp,
        Err(why) => {
            report.implementation = format!("did not start: {why}");
            return false;
        }
    };
    let info = crate::Implementation::info(&imp);
    report.implementation = format!("{} {} ({})", info.name, info.version, info.language);
    report.stderr_log = Some(log);
    report.outcomes = run_vectors_with(&mut imp, vectors, &expectations, options, &mut |_| {});
    report.outcomes.extend(run_laws_with(
        &mut imp,
        false,
        &expectations,
        options,
        &mut |_| {},
    ));
    drop(imp);
    report.problems.extend(expectations.unmatched());
    true
}

/// `path` quoted for `sh -c`.
fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// Writes the matrix of `rows` into `out`: `matrix.md`, `matrix.html`,
/// `matrix.json` (the cells), `results.jsonl` (one record per case),
/// `junit/<name>.xml` and `badges/<name>.json` per implementation that ran.
///
/// # Errors
///
/// When a file cannot be written.
pub fn write(rows: &[Row], out: &Path, seconds: f64) -> std::io::Result<()> {
    std::fs::create_dir_all(out.join("junit"))?;
    std::fs::create_dir_all(out.join("badges"))?;
    let summary = summary_json(rows, seconds);
    std::fs::write(out.join("matrix.md"), markdown(rows, seconds))?;
    std::fs::write(
        out.join("matrix.json"),
        serde_json::to_string_pretty(&summary).unwrap_or_default() + "\n",
    )?;
    let mut lines = String::new();
    let mut cases = Vec::new();
    for row in rows.iter().filter(|r| r.ran) {
        for outcome in &row.report.outcomes {
            let mut record = outcome_json(outcome);
            record["implementation"] = json!(row.name);
            let _ = writeln!(lines, "{record}");
            cases.push(record);
        }
        std::fs::write(
            out.join("junit").join(format!("{}.xml", row.name)),
            row.report.junit(),
        )?;
        std::fs::write(
            out.join("badges").join(format!("{}.json", row.name)),
            badge(row).to_string() + "\n",
        )?;
    }
    std::fs::write(out.join("results.jsonl"), lines)?;
    std::fs::write(out.join("matrix.html"), html(&summary, &cases))?;
    Ok(())
}

/// The cells as JSON: what the HTML page shows and the browser check
/// compares it with.
fn summary_json(rows: &[Row], seconds: f64) -> Value {
    let implementations: Vec<Value> = rows
        .iter()
        .map(|row| {
            let cells: BTreeMap<&str, Value> = AREAS
                .iter()
                .map(|area| {
                    let cell = Cell::of(&row.report.outcomes, area);
                    (*area, json!({"text": cell.text(), "counts": cell}))
                })
                .collect();
            let totals = row.report.totals();
            json!({
                "name": row.name,
                "implementation": row.implementation,
                "installed": row.ran,
                "passed": row.ran && row.report.passed(),
                "cells": cells,
                "totals": totals,
                "problems": row.report.problems,
                "seconds": (row.seconds * 10.0).round() / 10.0,
                "stderr_log": row.report.stderr_log,
            })
        })
        .collect();
    json!({"areas": AREAS, "implementations": implementations, "seconds": (seconds * 10.0).round() / 10.0})
}

/// The Markdown table: one row per implementation, one column per area,
/// `passed/run` (with crashes and timeouts), then known failures and the
/// verdict.
fn markdown(rows: &[Row], seconds: f64) -> String {
    let mut out = String::from("# Conformance matrix\n\n");
    let _ = writeln!(
        out,
        "| implementation | {} | known failures | verdict |",
        AREAS.join(" | ")
    );
    let _ = writeln!(out, "|---|{}---:|---|", "---:|".repeat(AREAS.len()));
    for row in rows {
        if !row.ran {
            let _ = writeln!(
                out,
                "| {} | {}– | {} |",
                row.name,
                "– | ".repeat(AREAS.len()),
                md(&row.implementation)
            );
            continue;
        }
        let cells: Vec<String> = AREAS
            .iter()
            .map(|a| Cell::of(&row.report.outcomes, a).text())
            .collect();
        let known: usize = AREAS
            .iter()
            .map(|a| Cell::of(&row.report.outcomes, a).known)
            .sum();
        let verdict = if row.report.passed() {
            "as expected"
        } else {
            "**unexpected failures**"
        };
        let _ = writeln!(
            out,
            "| {} | {} | {known} | {verdict} |",
            md(&row.implementation),
            cells.join(" | ")
        );
    }
    let _ = writeln!(
        out,
        "\n`passed/run`: cases that passed of those sent (unsupported and skipped \
         cases are not sent; known failures count as run, not passed). \
         {:.0} s in all.",
        seconds
    );
    out
}

/// A shields.io endpoint badge: passed of run, green when all pass.
fn badge(row: &Row) -> Value {
    let (passed, run) = AREAS.iter().fold((0, 0), |(p, r), a| {
        let cell = Cell::of(&row.report.outcomes, a);
        (p + cell.passed, r + cell.run)
    });
    let share = if run == 0 {
        0.0
    } else {
        passed as f64 / run as f64
    };
    let color = match share {
        s if s >= 1.0 => "brightgreen",
        s if s >= 0.9 => "green",
        s if s >= 0.75 => "yellow",
        _ => "orange",
    };
    json!({
        "schemaVersion": 1,
        "label": "patchlaw conformance",
        "message": format!("{passed}/{run}"),
        "color": color,
    })
}

/// The page: the template with the data inlined.
fn html(summary: &Value, cases: &[Value]) -> String {
    let data = json!({"summary": summary, "cases": cases}).to_string();
    // Inside <script>, `</` would end the element.
    let data = data.replace("</", "<\\/");
    include_str!("matrix.html").replace("/*DATA*/null", &data)
}

/// The Markdown table of `rows` (what `matrix.md` holds).
#[must_use]
pub fn table(rows: &[Row], seconds: f64) -> String {
    markdown(rows, seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_count_what_was_sent() {
        // A known failure counts as sent, and keeps its original status.
        let outcomes = [
            Outcome::new("a/b/1", "pointer", Status::Pass, ""),
            Outcome::new("a/b/2", "pointer", Status::Crash, ""),
            Outcome::new("a/b/3", "pointer", Status::Unsupported, ""),
            Outcome::new("a/b/4", "pointer", Status::Xfail, "why; timeout: slow"),
        ];
        let cell = Cell::of(&outcomes, "pointer");
        assert_eq!((cell.passed, cell.run, cell.known), (1, 3, 1));
        assert_eq!(cell.text(), "1/3, 1 crash, 1 timeout");
    }
}
