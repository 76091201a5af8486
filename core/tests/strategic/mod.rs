//! `patchlaw::strategic`: apply. (The built-in table is checked against the
//! published Kubernetes schemas by the conformance crate's `oracles` target.)

mod apply;
