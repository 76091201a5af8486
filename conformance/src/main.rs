//! `patchlaw-conformance`: run the conformance suite, or serve patchlaw over
//! the adapter protocol (`conformance/PROTOCOL.md`).

use std::io::{self, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use patchlaw_conformance::runner::{
    self, Expectations, Format, Options, Outcome, Report, Settings,
};
use patchlaw_conformance::{Implementation, Native};

/// Conformance suite for JSON Pointer, JSON Merge Patch, JSON Patch and
/// Kubernetes strategic merge patch.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the vectors (and with --laws the law checks) and print a report;
    /// exits 0 only when everything passes.
    Run(RunArgs),
    /// Serve patchlaw over the adapter protocol on stdin/stdout.
    Serve,
    /// Run patchlaw and every installed adapter of a directory on the
    /// vectors and laws, and write the comparison (Markdown, HTML, JSON
    /// lines, JUnit XML, badges) into a folder.
    Matrix(MatrixArgs),
    /// Send the same generated cases to an adapter and to patchlaw (or a
    /// second adapter), shrink each kind of disagreement to a minimal case
    /// and print it as a vector; exits 1 when they disagree.
    Fuzz(FuzzArgs),
}

#[derive(Args)]
struct FuzzArgs {
    /// The implementation under test (run with `sh -c`).
    #[arg(long, value_name = "CMD")]
    adapter: String,
    /// The reference: `patchlaw`, or another adapter command.
    #[arg(long, value_name = "CMD", default_value = "patchlaw")]
    against: String,
    /// Generated cases per operation.
    #[arg(long, default_value_t = 1000)]
    cases: usize,
    /// The seed: the same seed sends the same cases.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Fuzz only these operations (default: every operation both sides
    /// support that has a generator).
    #[arg(long, value_name = "OP", num_args = 1..)]
    op: Vec<String>,
    /// Two errors agree whatever their codes.
    #[arg(long)]
    ignore_codes: bool,
    /// Seconds of shrinking per kind of disagreement.
    #[arg(long, default_value_t = 20)]
    shrink_budget: u64,
    /// Seconds to wait for each answer.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Also write the findings' vectors to this file (a JSON array).
    #[arg(long, value_name = "FILE")]
    vectors_out: Option<PathBuf>,
}

#[derive(Args)]
struct MatrixArgs {
    /// The directory of adapters (`<name>/run`, `<name>/known-failures.json`).
    #[arg(long, value_name = "DIR", default_value = "conformance/adapters")]
    adapters: PathBuf,
    /// The folder to write into.
    #[arg(long, value_name = "DIR", default_value = "conformance-matrix")]
    out: PathBuf,
    /// Cases per law.
    #[arg(long, default_value_t = 64)]
    cases: u32,
    /// Seconds a law gets on one implementation.
    #[arg(long, default_value_t = 20)]
    law_budget: u64,
    /// Seconds to wait for each response.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Implementations run at once.
    #[arg(long, default_value_t = 3)]
    jobs: usize,
}

#[derive(Args)]
struct RunArgs {
    /// Drive this command (run with `sh -c`) over the adapter protocol
    /// instead of the built-in implementation.
    #[arg(long, value_name = "CMD")]
    adapter: Option<String>,
    /// The file the adapter's stderr goes to (appended); the report names
    /// it. Default: a file in the temporary directory.
    #[arg(long, value_name = "FILE")]
    adapter_log: Option<PathBuf>,
    /// Run only these vector files (community json-patch-tests files are
    /// accepted unchanged) instead of the built-in vectors.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    vectors: Vec<PathBuf>,
    /// Run the vectors of this directory instead of those built into the
    /// binary.
    #[arg(long, value_name = "DIR")]
    vectors_dir: Option<PathBuf>,
    /// Also check every law on generated cases.
    #[arg(long)]
    laws: bool,
    /// Cases per law.
    #[arg(long, default_value_t = 256)]
    cases: u32,
    /// Skips and known failures (JSON; the format is in
    /// conformance/PROTOCOL.md).
    #[arg(long, value_name = "FILE")]
    expectations: Option<PathBuf>,
    /// Write the failures of this run as a known-failures file (a starting
    /// point: replace each placeholder reason with the real one).
    #[arg(long, value_name = "FILE")]
    write_expectations: Option<PathBuf>,
    /// Do not fail the run for operations the implementation does not
    /// support.
    #[arg(long)]
    allow_unsupported: bool,
    /// Seconds to wait for the adapter's handshake, for each response, and
    /// for the adapter to exit after `stop`.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
    /// Seconds to wait for a case built to exhaust resources (limit laws,
    /// vectors that expect limit-exceeded).
    #[arg(long, default_value_t = 2)]
    exhaustion_timeout: u64,
    /// Seconds a law gets on the implementation, its cases and the
    /// shrinking of a failing case together.
    #[arg(long, default_value_t = 60)]
    law_budget: u64,
    /// The report's format: text, json, junit or markdown.
    #[arg(long, default_value = "text")]
    format: Format,
    /// Print each case as it is judged (on stderr unless the format is
    /// text).
    #[arg(long, short)]
    verbose: bool,
    /// Check every line the adapter writes against the JSON Schema of the
    /// protocol (conformance/protocol.schema.json); each violation, with
    /// the line, is a problem of the run.
    #[arg(long)]
    strict: bool,
    /// List what would run (with the adapter's capabilities, whether each
    /// case would run, be skipped or is unsupported) and exit.
    #[arg(long)]
    list: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(&args).unwrap_or_else(|why| {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {why}");
            }
            ExitCode::from(2)
        }),
        Command::Serve => serve(),
        Command::Fuzz(args) => fuzz(&args).unwrap_or_else(|why| {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {why}");
            }
            ExitCode::from(2)
        }),
        Command::Matrix(args) => matrix(&args).unwrap_or_else(|why| {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {why}");
            }
            ExitCode::from(2)
        }),
    }
}

/// Runs the differential fuzzer and prints what it found.
#[allow(clippy::print_stdout)]
fn fuzz(args: &FuzzArgs) -> Result<ExitCode, String> {
    use runner::fuzz;
    let timeout = Duration::from_secs(args.timeout);
    let log = std::env::temp_dir().join(format!(
        "patchlaw-conformance-fuzz-{}.log",
        std::process::id()
    ));
    let settings = Settings::new(timeout).stderr_log(log.clone());
    let mut imp = runner::Adapter::start_with(&args.adapter, settings.clone())?;
    let mut native = Native::new();
    let mut other;
    let reference: &mut dyn Implementation = if args.against == "patchlaw" {
        &mut native
    } else {
        other = runner::Adapter::start_with(&args.against, settings)?;
        &mut other
    };
    let both: Vec<patchlaw_conformance::Op> = patchlaw_conformance::Op::ALL
        .iter()
        .copied()
        .filter(|&op| fuzz::generates(op))
        .filter(|op| imp.capabilities().contains(op) && reference.capabilities().contains(op))
        .filter(|op| args.op.is_empty() || args.op.iter().any(|name| name == op.name()))
        .collect();
    let mut reports = Vec::new();
    let mut vectors = Vec::new();
    for op in both {
        let report = fuzz::fuzz(
            &mut imp,
            reference,
            op,
            args.cases,
            args.seed,
            args.ignore_codes,
            Duration::from_secs(args.shrink_budget),
        );
        for (i, finding) in report.findings.iter().enumerate() {
            vectors.push(finding.vector(&format!(
                "fuzz-seed{}-{}-{}",
                args.seed,
                op.name().replace('.', "-"),
                i + 1
            )));
        }
        reports.push((op, report));
    }
    let name = |imp: &dyn Implementation| {
        let info = imp.info();
        format!("{} {} ({})", info.name, info.version, info.language)
    };
    print!("{}", fuzz::render(&reports, &name(&imp), &name(reference)));
    println!("\nadapter stderr: {}", log.display());
    if let Some(path) = &args.vectors_out {
        let text = serde_json::to_string_pretty(&vectors).unwrap_or_default();
        std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(if reports.iter().all(|(_, r)| r.disagreements == 0) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Runs the matrix, writes it, prints the Markdown table; exits 0 when
/// every implementation that ran has no failure beyond its known ones.
#[allow(clippy::print_stdout)]
fn matrix(args: &MatrixArgs) -> Result<ExitCode, String> {
    use runner::matrix;
    let started = std::time::Instant::now();
    let adapters = matrix::AdapterDir::discover(&args.adapters)?;
    let vectors = runner::vectors::embedded().map_err(|e| e.to_string())?;
    let options = Options::new()
        .timeout(Duration::from_secs(args.timeout))
        .cases(args.cases)
        .law_budget(Duration::from_secs(args.law_budget));
    let logs = args.out.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    let rows = matrix::run(&adapters, &vectors, options, args.jobs, &logs);
    let seconds = started.elapsed().as_secs_f64();
    matrix::write(&rows, &args.out, seconds).map_err(|e| format!("{}: {e}", args.out.display()))?;
    print!("{}", matrix::table(&rows, seconds));
    println!("\nwritten to {}", args.out.display());
    Ok(if rows.iter().all(|r| !r.ran || r.report.passed()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
fn run(args: &RunArgs) -> Result<ExitCode, String> {
    let expectations = match &args.expectations {
        Some(path) => Expectations::load(path)?,
        None => Expectations::default(),
    };
    let vectors = if !args.vectors.is_empty() {
        runner::load_vectors(None, &args.vectors)
    } else if let Some(dir) = &args.vectors_dir {
        runner::load_vectors(Some(dir), &[])
    } else {
        runner::vectors::embedded()
    }
    .map_err(|e| e.to_string())?;
    let timeout = Duration::from_secs(args.timeout);
    let mut native = Native::new();
    let mut adapter = None;
    let mut stderr_log = None;
    let imp: &mut dyn Implementation = match &args.adapter {
        Some(command) => {
            let log = args.adapter_log.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!(
                    "patchlaw-conformance-adapter-{}.log",
                    std::process::id()
                ))
            });
            let settings = Settings::new(timeout)
                .stderr_log(log.clone())
                .strict(args.strict);
            let started = runner::Adapter::start_with(command, settings)?;
            stderr_log = Some(log);
            adapter.insert(started)
        }
        None => &mut native,
    };
    if args.list {
        print!("{}", list(imp, &vectors, &expectations, args.laws));
        return Ok(ExitCode::SUCCESS);
    }
    let info = imp.info();
    let options = Options::new()
        .timeout(timeout)
        .exhaustion_timeout(Duration::from_secs(args.exhaustion_timeout))
        .cases(args.cases)
        .law_budget(Duration::from_secs(args.law_budget));
    let text = args.format == Format::Text;
    let mut progress = |outcome: &Outcome| {
        if args.verbose {
            let line = format!("{:<18} {}", outcome.status.name(), outcome.id);
            if text {
                println!("{line}");
            } else {
                eprintln!("{line}");
            }
        }
    };
    let mut report = Report {
        implementation: format!("{} {} ({})", info.name, info.version, info.language),
        allow_unsupported: args.allow_unsupported,
        stderr_log,
        ..Report::default()
    };
    report.outcomes =
        runner::run_vectors_with(imp, &vectors, &expectations, options, &mut progress);
    if args.laws {
        report.outcomes.extend(runner::run_laws_with(
            imp,
            args.adapter.is_none(),
            &expectations,
            options,
            &mut progress,
        ));
    }
    report.problems = expectations.unmatched();
    if let Some(adapter) = &adapter {
        report.problems.extend(adapter.violations().iter().cloned());
    }
    // Stopped before the report, so that the log is complete.
    drop(adapter.take());
    if let Some(path) = &args.write_expectations {
        std::fs::write(path, expectations.write(&report.outcomes))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("wrote the failures of this run to {}", path.display());
    }
    if args.verbose && text {
        println!();
    }
    let mut stdout = io::stdout().lock();
    let _ = stdout.write_all(report.render_as(args.format).as_bytes());
    Ok(if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// What `--list` prints: one line per vector (and law), with what would
/// happen to it.
fn list(
    imp: &dyn Implementation,
    vectors: &[runner::Vector],
    expectations: &Expectations,
    laws: bool,
) -> String {
    use std::fmt::Write as _;
    let capabilities = imp.capabilities();
    let declared = imp.limits();
    let mut out = String::new();
    let mut line = |id: &str, op: &str, what: String| {
        let _ = writeln!(out, "{id:<70} {op:<22} {what}");
    };
    for vector in vectors {
        let op = vector
            .op
            .as_ref()
            .map_or_else(|name| name.clone(), |op| op.name().to_owned());
        let what = if let Some(reason) = &vector.disabled {
            format!("disabled: {reason}")
        } else if let Some(reason) = expectations.skip_reason(&vector.id) {
            format!("skipped: {reason}")
        } else if let Some(limit) =
            runner::limit_of(vector).filter(|limit| limit.value(&declared).is_none())
        {
            format!("skipped: no `{}` declared", limit.name())
        } else if vector
            .op
            .as_ref()
            .is_ok_and(|op| !capabilities.contains(op))
        {
            "unsupported".to_owned()
        } else {
            "run".to_owned()
        };
        line(&vector.id, &op, what);
    }
    if laws {
        for law in patchlaw_conformance::laws::catalogue() {
            let ops: Vec<&str> = law.ops.iter().map(|op| op.name()).collect();
            let what = match law.ops.iter().find(|op| !capabilities.contains(op)) {
                Some(op) => format!("unsupported (needs {op})"),
                None => "run".to_owned(),
            };
            line(law.id, &ops.join(","), what);
        }
    }
    out
}

#[allow(clippy::print_stderr)]
fn serve() -> ExitCode {
    // Requests are parsed without serde_json's recursion limit (up to
    // runner::MAX_LINE_DEPTH levels), which needs a deep stack.
    let worker = std::thread::Builder::new()
        .name("serve".to_owned())
        .stack_size(256 * 1024 * 1024)
        .spawn(|| {
            let stdin = io::stdin();
            let stdout = io::stdout();
            runner::serve(&mut Native::new(), stdin.lock(), stdout.lock())
        });
    match worker.map(|w| w.join()) {
        Ok(Ok(Ok(()))) => ExitCode::SUCCESS,
        Ok(Ok(Err(e))) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
        _ => {
            eprintln!("error: the server thread failed");
            ExitCode::FAILURE
        }
    }
}
