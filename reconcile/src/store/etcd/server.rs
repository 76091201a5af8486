//! etcd servers started for tests.
