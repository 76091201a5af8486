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
    let status = if json_patch::equal(&old, &new) {
        Status::Same
    } else {
        Status::Different
    };
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        DiffFormat::Human
    } else {
        DiffFormat::JsonPatch
    });
    let patch = match format {
        DiffFormat::Human => {
            let patch = json_patch_between(&old, &new)?;
            out.write(&human::changes(&old, &patch, ""));
            return Ok(status);
        }
        DiffFormat::JsonPatch => json_patch_between(&old, &new)?.to_value(),
        DiffFormat::Merge => merge_patch::diff(&old, &new)
            .map_err(|e| Failure::patchlaw("merge patch from OLD to NEW", &e, None))?,
        DiffFormat::Strategic => {
            let openapi = OpenApi::load(args.schema.schema.as_deref())?;
            let schema = schema::for_object(&new, openapi.as_ref())?.ok_or_else(|| {
                Failure::new(format!(
                    "{}: no built-in strategic schema for {}; give one with --schema",
                    args.new,
                    schema::kind_of(&new)
                ))
            })?;
            strategic::diff(&old, &new, &schema)
                .map_err(|e| Failure::patchlaw("strategic merge patch from OLD to NEW", &e, None))?
        }
    };
    out.write(&document::render(&[patch], args.output));
    Ok(status)
}

fn json_patch_between(old: &Value, new: &Value) -> Result<Patch, Failure> {
    json_patch::diff(old, new)
        .map_err(|e| Failure::patchlaw("JSON Patch from OLD to NEW", &e, None))
}
