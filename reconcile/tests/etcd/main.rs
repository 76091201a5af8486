//! Tests against a real etcd.

mod server;
mod store;
