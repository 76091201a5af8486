//! The reconciliation laws on a real etcd: the store law against its
//! reference model, and the simulation's laws with real faults.
//!
//! The tests start their own etcd servers (the `etcd` binary of Debian's
//! `etcd-server`, or the one `PATCHLAW_ETCD` names); with
//! `PATCHLAW_ETCD_ENDPOINTS=http://host:2379,...` the single-member tests
//! run against that cluster instead (under prefixes of their own). A
//! missing etcd fails the tests.

mod faults;
mod same_runs;
mod support;
mod writes_seen;
