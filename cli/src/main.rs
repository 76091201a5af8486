//! # patchlaw, the command
//!
//! Diff, patch and plan JSON and YAML the way Kubernetes does, offline, on
//! files: the [`patchlaw`] library behind a command line.
//!
//! ```text
//! patchlaw diff OLD NEW [--format human|json-patch|merge|strategic]
//! patchlaw apply DOC PATCH [--type json|merge|strategic] [--in-place]
//! patchlaw plan -f DESIRED [--live LIVE] [-o human|json|yaml]
//!               [--annotation NAME] [--overwrite=false] [--schema FILE]
//! patchlaw compose P Q [R…]
//! patchlaw get DOC POINTER
//! ```
//!
//! Exit status as diff(1): 0 when the documents are equal (`plan`: nothing
//! would change), 1 when they differ (something would), 2 for trouble, with
//! one line on stderr naming the input, the failed operation (its index,
//! name and path), the pointer and the error's stable code.
//!
//! ## Input and output
//!
//! A file is JSON or YAML by its extension (`.json`, `.yaml`, `.yml`); stdin
//! (`-`) and other files by their content (JSON if it parses as JSON).
//! YAML may hold several documents (`---`). Object members keep their
//! order, and numbers their exact text (`1.10`, `1.0`, integers of any
//! size), through serde_json's `preserve_order` and `arbitrary_precision`
//! features.
//!
//! ## Why its own workspace
//!
//! Cargo unifies a dependency's features across the packages it builds
//! together, and `cargo test --workspace` builds every member together: a
//! member turning serde_json's `preserve_order` and `arbitrary_precision`
//! on would build and test the library crates with them too, changing map
//! order and number equality under every other crate's tests, and leaving
//! the default configuration untested. So this crate is a workspace of its
//! own, as `fuzz/` is (test it with `cargo test --manifest-path
//! cli/Cargo.toml`). `patchlaw plan` is checked against `kubectl apply`
//! v1.32 on the three-way vectors in `patchlaw-conformance`'s `oracles`
//! test target.
//!
//! ## YAML: why saphyr-parser and a resolver of our own
//!
//! Kubernetes manifests are YAML as kubectl reads it: `sigs.k8s.io/yaml`
//! over go-yaml v2, which resolves plain scalars by YAML 1.1 (`on`, `yes`
//! and `y` are true, `0644` is the octal 420 that `defaultMode` means,
//! `1_000` is 1000) and merges `<<` keys. The maintained successors of the
//! deprecated `serde_yaml` were compared on two probe manifests of 60
//! such scalars, against what `kubectl patch --local -o json` v1.32 reads
//! in them, and on the CPU time (user and system, `hyperfine`, mean of 15
//! runs) to read 3,000 Deployments (3.5 MB of YAML, one document) into
//! `serde_json::Value` with member order and exact numbers:
//!
//! | crate | differs from kubectl on | CPU time |
//! |---|---|---|
//! | `serde_yaml_ng` 0.10 (libyaml in unsafe Rust) | `on`, `yes`, `y`, `off` (strings), `0777` (a string), `1_000` (a string), `<<` (kept as a key), decimals rounded (`1.10`, `0.1000000000000000000001`) | 178 ms |
//! | `serde_norway` 0.9 (libyaml in unsafe Rust) | the same | 178 ms |
//! | `serde-saphyr` 2.2 | `0777` read as 777, big integers and decimals rounded; by default refuses streams of more than 1,024 documents or 250,000 nodes | 269 ms |
//! | `saphyr-parser` 0.3 events and [`yaml`]'s resolver | nothing (and numbers stay exact where kubectl rounds them) | 68 ms for the events alone; 116 ms for the whole `patchlaw get` |
//!
//! The serde-based crates cannot keep numbers exact whatever their
//! resolution: serde hands a YAML number over as `i64`, `u64` or `f64`. So
//! `patchlaw` reads `saphyr-parser`'s events (pure Rust without unsafe
//! code, tested against the YAML test suite, which it passes; the parser
//! of the `saphyr` project, the successor of `yaml-rust` and `yaml-rust2`)
//! and resolves scalars itself, as kubectl
//! does, keeping each number's text. It writes YAML itself too, quoting
//! every string another reader could take for something else.
//!
//! ## Colour
//!
//! `--color auto|always|never`; `auto` colours a terminal unless `NO_COLOR`
//! is set (through `anstream`, clap's own output stream).

mod apply;
mod args;
mod compose;
mod diff;
mod document;
mod failure;
mod get;
mod human;
mod plan;
mod schema;
mod yaml;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use args::{Cli, Color, Command};
use failure::Failure;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = Output::new(cli.color);
    let result = match &cli.command {
        Command::Diff(args) => diff::run(args, &mut out),
        Command::Apply(args) => apply::run(args, &mut out),
        Command::Plan(args) => plan::run(args, &mut out),
        Command::Compose(args) => compose::run(args, &mut out),
        Command::Get(args) => get::run(args, &mut out),
        Command::Completions(args) => {
            let mut command = Cli::command();
            let mut text = Vec::new();
            clap_complete::generate(args.shell, &mut command, "patchlaw", &mut text);
            out.write(&String::from_utf8_lossy(&text));
            Ok(Status::Same)
        }
        Command::Man => {
            let mut text = Vec::new();
            match clap_mangen::Man::new(Cli::command()).render(&mut text) {
                Ok(()) => {
                    out.write(&String::from_utf8_lossy(&text));
                    Ok(Status::Same)
                }
                Err(e) => Err(Failure::new(e.to_string())),
            }
        }
    };
    match result.and_then(|status| out.flush().map(|()| status)) {
        Ok(status) => ExitCode::from(status as u8),
        Err(failure) => {
            out.say(&failure.to_string());
            ExitCode::from(2)
        }
    }
}

/// The exit status of a command that worked, as diff(1)'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    /// No difference; nothing would change.
    Same = 0,
    /// A difference; something would change.
    Different = 1,
    /// Trouble already said on stderr.
    Trouble = 2,
}

/// Standard output (coloured or not, as `--color` and the environment
/// say) and standard error.
struct Output {
    stdout: anstream::AutoStream<std::io::Stdout>,
    stderr: anstream::AutoStream<std::io::Stderr>,
    broken: Option<std::io::Error>,
}

impl Output {
    fn new(color: Color) -> Output {
        let choice = match color {
            Color::Auto => anstream::ColorChoice::Auto,
            Color::Always => anstream::ColorChoice::Always,
            Color::Never => anstream::ColorChoice::Never,
        };
        Output {
            stdout: anstream::AutoStream::new(std::io::stdout(), choice),
            stderr: anstream::AutoStream::new(std::io::stderr(), choice),
            broken: None,
        }
    }

    /// Writes `text` to stdout (the first failure is kept for
    /// [`Output::flush`]).
    fn write(&mut self, text: &str) {
        if self.broken.is_none() {
            if let Err(e) = self.stdout.write_all(text.as_bytes()) {
                self.broken = Some(e);
            }
        }
    }

    /// Says one line on stderr, after `patchlaw: `.
    fn say(&mut self, line: &str) {
        let _ = writeln!(self.stderr, "patchlaw: {line}");
    }

    fn flush(&mut self) -> Result<(), Failure> {
        let flushed = match self.broken.take() {
            Some(e) => Err(e),
            None => self.stdout.flush(),
        };
        match flushed {
            // A closed pipe (`| head`) is the reader's choice, not trouble.
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                Err(Failure::new(format!("stdout: {e}")))
            }
            _ => Ok(()),
        }
    }
}
