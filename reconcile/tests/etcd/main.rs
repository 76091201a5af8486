//! Tests against a real etcd.

mod server;
