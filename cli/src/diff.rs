//! `patchlaw diff OLD NEW`.

use std::io::IsTerminal;

use patchlaw::json_patch::{self, Patch};
use patchlaw::{merge_patch, strategic};
use serde_json::Value;

use crate::args::{DiffArgs, DiffFormat};
use crate::failure::Failure;
use crate::schema::{self, OpenApi};
use crate::{document, human, Output, Status};

/// Compares the two documents; [`Status::Different`] when they differ.
pub(crate) fn run(args: &DiffArgs, out: &mut Output) -> Result<Status, Failure> {
    let old = document::read(&args.old)?.single()?;
    let new = document::read(&args.new)?.single()?;
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        DiffFormat::Human
    } else {
        DiffFormat::JsonPatch
    });
    let (status, text) = match format {
        // The JSON Patch is empty exactly when the documents are equal.
        DiffFormat::Human => {
            let patch = json_patch_between(&old, &new)?;
            (status(patch.is_empty()), human::changes(&old, &patch, ""))
        }
        DiffFormat::JsonPatch => {
            let patch = json_patch_between(&old, &new)?;
            let text = document::render(&[patch.to_value()], args.output);
            (status(patch.is_empty()), text)
        }
        DiffFormat::Merge => {
            let patch = merge_patch::diff(&old, &new)
                .map_err(|e| Failure::patchlaw("merge patch from OLD to NEW", &e, None))?;
            let text = document::render(&[patch], args.output);
            (status(json_patch::equal(&old, &new)), text)
        }
        DiffFormat::Strategic => {
            let openapi = OpenApi::load(args.schema.schema.as_deref())?;
            let schema = schema::for_object(&new, openapi.as_ref())?.ok_or_else(|| {
                Failure::new(format!(
                    "{}: no built-in strategic schema for {}; give one with --schema",
                    args.new,
                    schema::kind_of(&new)
                ))
            })?;
            let patch = strategic::diff(&old, &new, &schema).map_err(|e| {
                Failure::patchlaw("strategic merge patch from OLD to NEW", &e, None)
            })?;
            let text = document::render(&[patch], args.output);
            (status(json_patch::equal(&old, &new)), text)
        }
    };
    out.write(&text);
    document::leak(old);
    document::leak(new);
    Ok(status)
}

fn status(equal: bool) -> Status {
    if equal {
        Status::Same
    } else {
        Status::Different
    }
}

fn json_patch_between(old: &Value, new: &Value) -> Result<Patch, Failure> {
    json_patch::diff(old, new)
        .map_err(|e| Failure::patchlaw("JSON Patch from OLD to NEW", &e, None))
}
