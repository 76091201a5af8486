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
//! # Examples
//!
//! A level-triggered controller that keeps a ConfigMap's copy, checked by
//! the test bed on seeded schedules with lost, late and reordered events,
//! disconnects, compaction, lagging reads and crashes:
//!
//! ```
//! use patchlaw_reconcile::runtime::{Controller, ControllerOptions, Reconcile, Reconciler, View, Watches, Write};
//! use patchlaw_reconcile::sim::{FaultProfile, Scenario, TestBed};
//! use patchlaw_reconcile::store::{Patch, ReadAt};
//! use patchlaw_reconcile::{Error, Key, Selector};
//! use serde_json::json;
//!
//! struct Copier;
//! impl Reconciler for Copier {
//!     fn watches(&self) -> Watches { Watches::new(Selector::kind("ConfigMap")) }
//!     fn reconcile(&mut self, key: &Key, view: &View<'_>) -> Result<Reconcile, Error> {
//!         let copy = Key::new("ConfigMap", "default", "copy");
//!         let (Some(source), true) = (view.get(key), key.name() == "source") else {
//!             return Ok(Reconcile::done());
//!         };
//!         if view.get(&copy).map(|c| &c.value()["data"]) == Some(&source.value()["data"]) {
//!             return Ok(Reconcile::done());
//!         }
//!         let configuration = json!({"apiVersion": "v1", "kind": "ConfigMap",
//!             "metadata": {"name": "copy", "namespace": "default"}, "data": source.value()["data"]});
//!         Ok(Reconcile::done().write(Write::Patch(copy, Patch::apply_as(configuration, "copier"))))
//!     }
//! }
//!
//! let set = |n: u32| (format!("set {n}"), Write::Patch(Key::new("ConfigMap", "default", "source"),
//!     Patch::apply(json!({"apiVersion": "v1", "kind": "ConfigMap",
//!         "metadata": {"name": "source", "namespace": "default"}, "data": {"n": n.to_string()}}))));
//! let scenario = Scenario::new(|store| {
//!     let get = |name| store.get(&Key::new("ConfigMap", "default", name), ReadAt::Latest);
//!     match (get("source").map_err(|e| e.to_string())?, get("copy").map_err(|e| e.to_string())?) {
//!         (None, _) => Ok(()),
//!         (Some(s), Some(c)) if s.value()["data"] == c.value()["data"] => Ok(()),
//!         _ => Err("the copy differs".to_owned()),
//!     }
//! })
//! .writer("user", vec![set(1), set(2), set(3)])
//! .actor("copier", || Box::new(Controller::new(Copier, ControllerOptions::new())));
//!
//! assert_eq!(TestBed::new(&scenario).faults(FaultProfile::all()).cases(64).check().map_err(|f| f.to_string()), Ok(64));
//! ```
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
