//! What ends a command with exit status 2: one line on stderr.

use std::fmt;

use patchlaw::json_patch::Operation;
use patchlaw::Error;

/// A failure, as the one line `patchlaw` prints for it.
#[derive(Debug)]
pub(crate) struct Failure(String);

impl Failure {
    pub(crate) fn new(message: impl Into<String>) -> Failure {
        Failure(message.into())
    }

    /// A patchlaw error, after `context`: the operation that failed (its
    /// index, name and path) when there is one, the pointer where it
    /// failed, then the error's code and detail, e.g. `PATCH: operation 2
    /// (remove /metadata/annotations): path-not-found: …`.
    pub(crate) fn patchlaw(context: &str, error: &Error, operation: Option<&Operation>) -> Failure {
        let mut line = format!("{context}: ");
        let mut path = None;
        if let Some(index) = error.op_index() {
            line.push_str(&format!("operation {index}"));
            if let Some(op) = operation {
                let target = op.path().to_string();
                line.push_str(&format!(" ({} {target})", op.name()));
                path = Some(target);
            }
            line.push_str(": ");
        }
        if let Some(pointer) = error.pointer().filter(|p| Some(*p) != path.as_deref()) {
            line.push_str(&format!("at {pointer}: "));
        }
        line.push_str(error.kind().code());
        if !error.detail().is_empty() {
            line.push_str(": ");
            line.push_str(error.detail());
        }
        Failure(line.replace('\n', " "))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
