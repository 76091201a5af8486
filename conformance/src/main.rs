//! `patchlaw-conformance`: run the conformance suite, or serve patchlaw over
//! the adapter protocol (`conformance/PROTOCOL.md`).

use std::io;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use patchlaw_conformance::runner::{self, Expectations, Report};
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
    /// Run the vectors (and with --laws the law checks) and print a summary;
    /// exits 0 only when everything passes.
    Run(RunArgs),
    /// Serve patchlaw over the adapter protocol on stdin/stdout.
    Serve,
}

#[derive(Args)]
struct RunArgs {
    /// Drive this command (run with `sh -c`) over the adapter protocol
    /// instead of the built-in implementation.
    #[arg(long, value_name = "CMD")]
    adapter: Option<String>,
    /// Run only these vector files (community json-patch-tests files are
    /// accepted unchanged) instead of the built-in vectors directory.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    vectors: Vec<PathBuf>,
    /// The directory of vectors to run.
    #[arg(long, value_name = "DIR", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors"))]
    vectors_dir: PathBuf,
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
    /// Do not fail the run for operations the implementation does not
    /// support.
    #[arg(long)]
    allow_unsupported: bool,
    /// Seconds to wait for the adapter's handshake, for each response, and
    /// for the adapter to exit after `stop`.
    #[arg(long, default_value_t = 10)]
    timeout: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(&args),
        Command::Serve => serve(),
    }
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
fn run(args: &RunArgs) -> ExitCode {
    let expectations = match &args.expectations {
        Some(path) => match Expectations::load(path) {
            Ok(expectations) => expectations,
            Err(why) => {
                eprintln!("error: {why}");
                return ExitCode::from(2);
            }
        },
        None => Expectations::default(),
    };
    let dir = args
        .vectors
        .is_empty()
        .then_some(args.vectors_dir.as_path());
    let vectors = match runner::load_vectors(dir, &args.vectors) {
        Ok(vectors) => vectors,
        Err(why) => {
            eprintln!("error: {why}");
            return ExitCode::from(2);
        }
    };
    let mut native = Native::new();
    let mut adapter;
    let imp: &mut dyn Implementation = match &args.adapter {
        Some(command) => match runner::Adapter::start(command, Duration::from_secs(args.timeout)) {
            Ok(started) => {
                adapter = started;
                &mut adapter
            }
            Err(why) => {
                eprintln!("error: {why}");
                return ExitCode::from(2);
            }
        },
        None => &mut native,
    };
    let info = imp.info();
    let mut report = Report {
        implementation: format!("{} {} ({})", info.name, info.version, info.language),
        allow_unsupported: args.allow_unsupported,
        ..Report::default()
    };
    report.outcomes = runner::run_vectors(imp, &vectors, &expectations);
    if args.laws {
        report.outcomes.extend(runner::run_laws(
            imp,
            args.adapter.is_none(),
            args.cases,
            &expectations,
        ));
    }
    report.problems = expectations.unmatched();
    print!("{}", report.render());
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
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
