//! # patchlaw-reconcile
//!
//! How Kubernetes keeps state right when events are lost, late or stale,
//! as a library and a deterministic simulation.
//!
//! - [`store`]: a versioned object store behind the [`Store`](store::Store)
//!   trait, with [`MemoryStore`](store::MemoryStore): one revision per
//!   store that is every object's `resourceVersion`, optimistic
//!   concurrency, patches of every type through patchlaw (JSON Patch,
//!   merge, strategic, and `kubectl apply` under any annotation), watches
//!   from a revision, compaction.
//! - [`runtime`]: the client side: a [`Reflector`](runtime::Reflector)
//!   (list, then watch; resume; relist when gone; never back in time), an
//!   [`Informer`](runtime::Informer) and its [`Cache`](runtime::Cache), a
//!   work [`Queue`](runtime::Queue), level-triggered
//!   [`Controller`](runtime::Controller)s, and the edge-triggered
//!   consumers they are contrasted with ([`Edge`](runtime::Edge)).
//! - [`sim`]: a seeded, deterministic simulation of writers, consumers and
//!   faults (lost, duplicated, late and reordered events, disconnects,
//!   compaction, lagging reads, crashes), whose failing schedules shrink to
//!   a minimal trace; the [`TestBed`](sim::TestBed) runs a user's
//!   controller in it.
//!
//! Nothing here reads a clock: the runtime is told the time by its driver
//! (the simulation's ticks, or a program's clock).
//!
//! ## Conformance
//!
//! The laws `LAW-LT-*` of the repository's `spec/60-reconcile.md` are
//! checked by `patchlaw-conformance` on generated schedules: the store
//! keeps and delivers every acknowledged write; a reflector never goes
//! back in time and its cache equals the store at the cache's revision; a
//! level-triggered controller reaches the desired state within a stated
//! bound once writes stop, and stays there; appliers with their own
//! annotations converge without undoing each other; edge-triggered
//! consumers diverge, and gap detection with relist repairs them.

#![deny(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod error;
mod object;
pub mod runtime;
pub mod sim;
pub mod store;

pub use error::{Error, ErrorKind};
pub use object::{Key, Object, Revision, Selector};
