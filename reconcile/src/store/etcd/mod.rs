//! The store over etcd's v3 API.

pub mod server;
