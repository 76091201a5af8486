//! Reading documents from files and stdin, JSON or YAML, and writing them.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::Value;

use crate::args::Encoding;
use crate::failure::Failure;
use crate::yaml;

/// The documents of one input, and how it was written.
#[derive(Debug)]
pub(crate) struct Input {
    /// The name to show: the path, or `-`.
    pub(crate) name: String,
    pub(crate) encoding: Encoding,
    pub(crate) documents: Vec<Value>,
}

impl Input {
    /// The input's only document.
    ///
    /// # Errors
    ///
    /// When it holds none, or several.
    pub(crate) fn single(self) -> Result<Value, Failure> {
        let count = self.documents.len();
        let mut documents = self.documents.into_iter();
        match (documents.next(), documents.next()) {
            (Some(doc), None) => Ok(doc),
            _ => Err(Failure::new(format!(
                "{}: {count} documents, where one is needed",
                self.name
            ))),
        }
    }
}

/// Reads `name`: a file, or stdin for `-`. JSON or YAML by the extension,
/// else by the content (JSON if it parses as JSON, else YAML).
///
/// # Errors
///
/// When the file cannot be read or parsed; stdin read a second time.
pub(crate) fn read(name: &str) -> Result<Input, Failure> {
    let text = if name == "-" {
        if STDIN_READ.swap(true, Ordering::Relaxed) {
            return Err(Failure::new("stdin (-) can be read only once"));
        }
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::new(format!("stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(name).map_err(|e| Failure::new(format!("{name}: {e}")))?
    };
    parse(name, &text, encoding_of(Path::new(name)))
}

/// Whether stdin was read: it can be only once.
static STDIN_READ: AtomicBool = AtomicBool::new(false);

/// The documents of `text`, read from `name`, in `encoding` if known.
pub(crate) fn parse(name: &str, text: &str, encoding: Option<Encoding>) -> Result<Input, Failure> {
    let not = |encoding: Encoding, e: String| {
        let kind = match encoding {
            Encoding::Json => "JSON",
            Encoding::Yaml => "YAML",
        };
        Failure::new(format!("{name}: not {kind}: {e}"))
    };
    let read_yaml = || yaml::parse(text).map_err(|e| not(Encoding::Yaml, e.to_string()));
    let (encoding, documents) = match encoding {
        Some(Encoding::Json) => (
            Encoding::Json,
            parse_json(text).map_err(|e| not(Encoding::Json, e))?,
        ),
        Some(Encoding::Yaml) => (Encoding::Yaml, read_yaml()?),
        // Content that starts as JSON and parses as JSON is JSON.
        None => match text.trim_start().starts_with(['{', '[']) {
            true => match parse_json(text) {
                Ok(documents) => (Encoding::Json, documents),
                Err(_) => (Encoding::Yaml, read_yaml()?),
            },
            false => (Encoding::Yaml, read_yaml()?),
        },
    };
    Ok(Input {
        name: name.to_owned(),
        encoding,
        documents,
    })
}

/// JSON or YAML by a path's extension, if it says.
pub(crate) fn encoding_of(path: &Path) -> Option<Encoding> {
    match path.extension()?.to_str()? {
        "json" => Some(Encoding::Json),
        "yaml" | "yml" => Some(Encoding::Yaml),
        _ => None,
    }
}

/// A stream of JSON values (usually one).
fn parse_json(text: &str) -> Result<Vec<Value>, String> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())
}

/// The files a `-f` argument names: the file itself, or a directory's
/// `.json`, `.yaml` and `.yml` files in name order (not its subdirectories).
pub(crate) fn files(argument: &str) -> Result<Vec<String>, Failure> {
    let path = Path::new(argument);
    if argument == "-" || !path.is_dir() {
        return Ok(vec![argument.to_owned()]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| Failure::new(format!("{argument}: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && encoding_of(p).is_some())
        .collect();
    files.sort();
    Ok(files.iter().map(|p| p.display().to_string()).collect())
}

/// `documents` written in `encoding`: pretty JSON, one value after the
/// other, or a YAML stream.
pub(crate) fn render(documents: &[Value], encoding: Encoding) -> String {
    let mut out = String::new();
    for (i, doc) in documents.iter().enumerate() {
        match encoding {
            Encoding::Json => {
                out.push_str(&serde_json::to_string_pretty(doc).unwrap_or_default());
                out.push('\n');
            }
            Encoding::Yaml => {
                if i > 0 {
                    out.push_str("---\n");
                }
                out.push_str(&yaml::to_string(doc));
            }
        }
    }
    out
}

/// Lets `document` go without freeing it: the process is about to end,
/// and freeing a large document value by value costs a fair part of
/// reading it.
pub(crate) fn leak(document: Value) {
    std::mem::forget(document);
}

/// Replaces the file `path` with `contents` atomically: written beside it,
/// flushed to disk, given the file's permissions, then renamed over it.
///
/// # Errors
///
/// When any step fails; the file is then as it was.
pub(crate) fn replace_file(path: &str, contents: &str) -> Result<(), Failure> {
    let target = Path::new(path);
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file_name = target.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(".{file_name}.patchlaw-{}", std::process::id()));
    let written = (|| {
        let permissions = std::fs::metadata(target)?.permissions();
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()?;
        std::fs::set_permissions(&temp, permissions)?;
        std::fs::rename(&temp, target)
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        Failure::new(format!("{path}: cannot replace it: {e}"))
    })
}
