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

/// The store factory `name` names: `memory`, or (with the `etcd` feature)
/// `etcd` (an etcd member started for the run, from Debian's `etcd-server`
/// or the binary `PATCHLAW_ETCD` names) or `etcd=URL[,URL...]` (a cluster
/// of yours). Each run on etcd gets a key prefix of its own.
fn stores(name: &str) -> Result<Stores, String> {
    match name {
        "memory" => Ok(Box::new(|| Ok(Arc::new(MemoryStore::new())))),
        #[cfg(feature = "etcd")]
        _ if name == "etcd" || name.starts_with("etcd=") => etcd::stores(name),
        _ if cfg!(feature = "etcd") => Err(format!(
            "unknown store {name:?} (known: memory, etcd, etcd=URL[,URL...])"
        )),
        _ => Err(format!(
            "unknown store {name:?} (known: memory; etcd with --features etcd)"
        )),
    }
}

#[cfg(feature = "etcd")]
mod etcd {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;

    use patchlaw_reconcile::store::etcd::server::Member;
    use patchlaw_reconcile::store::etcd::{EtcdOptions, EtcdStore};
    use patchlaw_reconcile::store::Store;

    use super::Stores;

    pub(crate) fn stores(name: &str) -> Result<Stores, String> {
        let (member, endpoints) = match name.strip_prefix("etcd=") {
            Some(list) => (None, list.split(',').map(str::to_owned).collect()),
            None => {
                let member = Member::start().map_err(|e| format!("cannot start etcd: {e}"))?;
                let endpoints = vec![member.client_url().to_owned()];
                (Some(member), endpoints)
            }
        };
        let run = std::process::id();
        let next = AtomicU64::new(0);
        Ok(Box::new(move || {
            // The member lives as long as the factory.
            let _ = &member;
            let prefix = format!(
                "/patchlaw-example/{run}/{}",
                next.fetch_add(1, Ordering::Relaxed)
            );
            let store = EtcdStore::connect(&endpoints, EtcdOptions::new().prefix(prefix))?;
            Ok(Arc::new(store) as Arc<dyn Store>)
        }))
    }
}
