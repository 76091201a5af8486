//! `patchlaw get DOC POINTER`.

use patchlaw::PointerBuf;

use crate::args::GetArgs;
use crate::failure::Failure;
use crate::{document, Output, Status};

/// Prints the value at the pointer.
pub(crate) fn run(args: &GetArgs, out: &mut Output) -> Result<Status, Failure> {
    let doc = document::read(&args.doc)?.single()?;
    let pointer =
        PointerBuf::parse(&args.pointer).map_err(|e| Failure::patchlaw("POINTER", &e, None))?;
    let value = pointer
        .get(&doc)
        .map_err(|e| Failure::patchlaw(&args.doc, &e, None))?;
    out.write(&document::render(std::slice::from_ref(value), args.output));
    document::leak(doc);
    Ok(Status::Same)
}
