//! `patchlaw apply DOC PATCH`.

use patchlaw::json_patch::Patch;
use patchlaw::{merge_patch, strategic};
use serde_json::Value;

use crate::args::{ApplyArgs, PatchType};
use crate::failure::Failure;
use crate::schema::{self, OpenApi};
use crate::{document, Output, Status};

/// Applies the patch; prints the result or replaces DOC with it.
pub(crate) fn run(args: &ApplyArgs, out: &mut Output) -> Result<Status, Failure> {
    if args.in_place && args.doc == "-" {
        return Err(Failure::new("--in-place needs DOC to be a file, not stdin"));
    }
    let input = document::read(&args.doc)?;
    let encoding = args.output.unwrap_or(input.encoding);
    let mut doc = input.single()?;
    let patch = document::read(&args.patch)?.single()?;
    let openapi = OpenApi::load(args.schema.schema.as_deref())?;
    let schema = schema::for_object(&doc, openapi.as_ref())?;
    let patch_type = match args.patch_type {
        Some(t) => t,
        None => {
            let (guess, why) = guess(&patch, &doc, schema.is_some());
            out.say(&format!(
                "{}: applied as {}: {why} (--type chooses)",
                args.patch,
                name(guess)
            ));
            guess
        }
    };
    match patch_type {
        PatchType::Json => {
            let patch =
                Patch::from_value(&patch).map_err(|e| Failure::patchlaw(&args.patch, &e, None))?;
            patch.apply(&mut doc).map_err(|e| {
                let op = e.op_index().and_then(|i| patch.get(i));
                Failure::patchlaw(&args.patch, &e, op)
            })?;
        }
        PatchType::Merge => merge_patch::apply_owned(&mut doc, patch)
            .map_err(|e| Failure::patchlaw(&args.patch, &e, None))?,
        PatchType::Strategic => {
            let schema = schema.ok_or_else(|| {
                Failure::new(format!(
                    "{}: no built-in strategic schema for {}; give one with --schema",
                    args.doc,
                    schema::kind_of(&doc)
                ))
            })?;
            strategic::apply(&mut doc, &patch, &schema)
                .map_err(|e| Failure::patchlaw(&args.patch, &e, None))?;
        }
    }
    let text = document::render(&[doc], encoding);
    if args.in_place {
        document::replace_file(&args.doc, &text)?;
    } else {
        out.write(&text);
    }
    Ok(Status::Same)
}

/// The patch type a patch's shape suggests, and why.
fn guess(patch: &Value, doc: &Value, has_schema: bool) -> (PatchType, String) {
    if patch.is_array() {
        (PatchType::Json, "it is an array".to_owned())
    } else if has_directive(patch) {
        (PatchType::Strategic, "it holds $ directives".to_owned())
    } else if has_schema {
        let why = format!(
            "an object, and {} has a strategic schema",
            schema::kind_of(doc)
        );
        (PatchType::Strategic, why)
    } else {
        let why = format!(
            "an object, and {} has no strategic schema",
            schema::kind_of(doc)
        );
        (PatchType::Merge, why)
    }
}

fn has_directive(value: &Value) -> bool {
    match value {
        Value::Object(members) => members.iter().any(|(name, value)| {
            name == "$patch"
                || name == "$retainKeys"
                || name.starts_with("$setElementOrder/")
                || name.starts_with("$deleteFromPrimitiveList/")
                || has_directive(value)
        }),
        Value::Array(items) => items.iter().any(has_directive),
        _ => false,
    }
}

fn name(patch_type: PatchType) -> &'static str {
    match patch_type {
        PatchType::Json => "a JSON Patch (RFC 6902)",
        PatchType::Merge => "a merge patch (RFC 7396)",
        PatchType::Strategic => "a strategic merge patch",
    }
}
