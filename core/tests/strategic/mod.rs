//! `patchlaw::strategic`: apply, and the built-in table checked against the
//! published Kubernetes schemas.

mod apply;
mod builtin;
