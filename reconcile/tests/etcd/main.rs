//! Tests against a real etcd.
