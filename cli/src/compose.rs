//! `patchlaw compose P Q…`.

use patchlaw::merge_patch;

use crate::args::ComposeArgs;
use crate::failure::Failure;
use crate::{document, Output, Status};

/// Composes the merge patches in order.
pub(crate) fn run(args: &ComposeArgs, out: &mut Output) -> Result<Status, Failure> {
    let mut patches = args.patches.iter();
    let first = patches
        .next()
        .map_or(Ok(serde_json::Value::Null), |p| document::read(p)?.single())?;
    let composed = patches.try_fold(first, |composed, name| {
        let next = document::read(name)?.single()?;
        merge_patch::compose(&composed, &next).map_err(|e| Failure::patchlaw(name, &e, None))
    })?;
    out.write(&document::render(&[composed], args.output));
    Ok(Status::Same)
}
