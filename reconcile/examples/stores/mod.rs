//! The examples' `--store` option: which store each run is played on.

use std::sync::Arc;

use patchlaw_reconcile::store::{MemoryStore, Store};
use patchlaw_reconcile::Error;

/// Makes a fresh store for each run.
pub(crate) type Stores = Box<dyn Fn() -> Result<Arc<dyn Store>, Error>>;

/// The store named by `--store NAME` (or `--store=NAME`) among `args`,
/// `memory` when there is none, and the other arguments.
pub(crate) fn from_args(
    args: impl Iterator<Item = String>,
) -> Result<(String, Stores, Vec<String>), String> {
    let mut name = None;
    let mut rest = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if let Some(value) = arg.strip_prefix("--store=") {
            name = Some(value.to_owned());
        } else if arg == "--store" {
            name = Some(args.next().ok_or("--store needs a store: memory")?);
        } else {
            rest.push(arg);
        }
    }
    let name = name.unwrap_or_else(|| "memory".to_owned());
    let stores = stores(&name)?;
    Ok((name, stores, rest))
}

/// The store factory `name` names.
fn stores(name: &str) -> Result<Stores, String> {
    match name {
        "memory" => Ok(Box::new(|| Ok(Arc::new(MemoryStore::new())))),
        _ => Err(format!("unknown store {name:?} (known: memory)")),
    }
}
