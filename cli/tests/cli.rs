//! The command line over real files, in snapshot style.
//!
//! - `tests/cmd/*.md`: transcripts. Each ```` ```console ```` block holds
//!   commands (`$ patchlaw …`, with `< FILE` for stdin), each followed by
//!   `? STATUS` unless it exits 0, then its stdout and stderr as they
//!   came, byte for byte. They run in `<name>.in/`. `PATCHLAW_OVERWRITE=1`
//!   rewrites the outputs and statuses; read the change before committing
//!   it.
//! - `tests/cmd/*.toml`: trycmd cases, for commands that change files:
//!   `<name>.in/` is copied to a sandbox, the command runs, and the files
//!   must then equal `<name>.out/` byte for byte (`TRYCMD=overwrite`).
//!   trycmd turns backslashes in outputs into slashes (it normalises
//!   paths), so outputs with JSON escapes belong in transcripts.
//!
//! The README's command-line examples are `tests/cmd/readme.md`'s blocks;
//! a test keeps them equal.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[test]
fn file_changing_commands() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}

#[test]
fn transcripts() {
    let overwrite = std::env::var_os("PATCHLAW_OVERWRITE").is_some();
    let mut failures = Vec::new();
    for path in transcript_files() {
        let text = std::fs::read_to_string(&path).expect("a transcript");
        let dir = path.with_extension("in");
        let (replayed, mut differences) = replay(&text, &dir);
        if overwrite && replayed != text {
            std::fs::write(&path, &replayed).expect("the transcript is writable");
        } else {
            failures.append(&mut differences);
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(PATCHLAW_OVERWRITE=1 rewrites the transcripts)",
        failures.join("\n\n")
    );
}

#[test]
fn readme_shows_the_readme_transcript() {
    let readme = std::fs::read_to_string("../README.md").expect("the README");
    let transcript = std::fs::read_to_string("tests/cmd/readme.md").expect("the transcript");
    assert_eq!(
        console_blocks(&readme),
        console_blocks(&transcript),
        "the README's console blocks must be tests/cmd/readme.md's, in order"
    );
}

#[test]
fn colour_follows_the_flag_then_no_color() {
    let dir = Path::new("tests/cmd/commands.in");
    let diff = [
        "diff",
        "deployment.yaml",
        "deployment-v2.yaml",
        "--format",
        "human",
    ];
    let coloured = |flag: &str, env: &[(&str, &str)]| {
        let output = Command::new(env!("CARGO_BIN_EXE_patchlaw"))
            .args(diff)
            .arg(format!("--color={flag}"))
            .current_dir(dir)
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .envs(env.iter().copied())
            .output()
            .expect("patchlaw runs");
        assert_eq!(output.status.code(), Some(1));
        let text = String::from_utf8(output.stdout).expect("UTF-8");
        assert!(text.contains("@ /spec/replicas"), "{text}");
        text.contains("\x1b[")
    };
    assert!(coloured("always", &[]));
    assert!(coloured("always", &[("NO_COLOR", "1")]));
    assert!(!coloured("never", &[("CLICOLOR_FORCE", "1")]));
    // Not a terminal: no colour, unless forced, and never with NO_COLOR.
    assert!(!coloured("auto", &[]));
    assert!(coloured("auto", &[("CLICOLOR_FORCE", "1")]));
    assert!(!coloured(
        "auto",
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    ));
}

#[test]
fn completions_and_man_page_come_from_the_definitions() {
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_patchlaw"))
            .args(args)
            .output()
            .expect("patchlaw runs");
        assert!(output.status.success(), "{args:?}");
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = run(&["completions", shell]);
        assert!(
            script.contains("--overwrite") && script.contains("json-patch"),
            "{shell}"
        );
    }
    let man = run(&["man"]);
    assert!(
        man.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        &man[..40.min(man.len())]
    );
    assert!(
        man.contains(".TH patchlaw 1") && man.contains("patchlaw\\-plan"),
        "{man}"
    );
}

fn transcript_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/cmd")
        .expect("tests/cmd")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files
}

fn console_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.split_inclusive('\n') {
        match &mut current {
            None if line.trim_end() == "```console" => current = Some(String::new()),
            Some(block) if line.trim_end() == "```" => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => block.push_str(line),
            None => {}
        }
    }
    blocks
}

/// Runs every command of `text` in `dir`; the transcript as it came out,
/// and the commands whose output or status differ.
fn replay(text: &str, dir: &Path) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut differences = Vec::new();
    let mut lines = text.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        if line.trim_end() != "```console" {
            continue;
        }
        // Commands until the fence.
        while let Some(line) = lines.next() {
            if line.trim_end() == "```" {
                out.push_str(line);
                break;
            }
            let Some(command) = line.strip_prefix("$ ") else {
                out.push_str(line);
                continue;
            };
            let mut expected = String::new();
            let mut expected_status = 0;
            if let Some(status) = lines.peek().and_then(|l| l.strip_prefix("? ")) {
                expected_status = status.trim().parse().expect("a status");
                lines.next();
            }
            while let Some(next) = lines.peek() {
                if next.starts_with("$ ") || next.trim_end() == "```" {
                    break;
                }
                expected.push_str(next);
                lines.next();
            }
            let (status, output) = run(command.trim_end(), dir);
            out.push_str(line);
            if status != 0 {
                out.push_str(&format!("? {status}\n"));
            }
            // A blank line separates commands; the output is what comes
            // before it.
            let separated = expected.ends_with("\n\n") || expected == "\n";
            let expected_output = if separated {
                &expected[..expected.len() - 1]
            } else {
                &expected[..]
            };
            out.push_str(&output);
            if separated {
                out.push('\n');
            }
            if status != expected_status || output != expected_output {
                differences.push(format!(
                    "$ {}\nexpected status {expected_status}, output:\n{expected_output}\ngot status {status}, output:\n{output}",
                    command.trim_end()
                ));
            }
        }
    }
    (out, differences)
}

/// Runs `patchlaw ARGS [< FILE]` in `dir`: its exit status, and its stdout
/// and stderr interleaved as written.
fn run(command: &str, dir: &Path) -> (i32, String) {
    let words = split(command);
    let (program, mut args) = words.split_first().expect("a command");
    assert_eq!(program, "patchlaw", "transcripts run patchlaw only");
    let mut stdin = Stdio::null();
    if let [.., redirect, file] = args {
        if redirect == "<" {
            stdin = Stdio::from(std::fs::File::open(dir.join(file)).expect("the stdin file"));
            args = &args[..args.len() - 2];
        }
    }
    let capture = dir.with_extension(format!("out-{}", std::process::id()));
    let file = std::fs::File::create(&capture).expect("a capture file");
    let status = Command::new(env!("CARGO_BIN_EXE_patchlaw"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("COLUMNS", "100")
        .stdin(stdin)
        .stdout(file.try_clone().expect("a second handle"))
        .stderr(file)
        .status()
        .expect("patchlaw runs");
    let output = std::fs::read_to_string(&capture).expect("the output");
    let _ = std::fs::remove_file(&capture);
    (status.code().expect("an exit status"), output)
}

/// Words as a shell splits them, for the quoting transcripts use: `'…'`
/// and `"…"`.
fn split(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote = None;
    for c in command.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (Some(q), c) if c == q => quote = None,
            (None, ' ') => words.extend(word.take()),
            (_, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}
