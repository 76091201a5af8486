//! JSON Patch, [RFC 6902](https://www.rfc-editor.org/rfc/rfc6902).
//!
//! This module provides the value equality RFC 6902 defines for the `test`
//! operation ([§4.6](https://www.rfc-editor.org/rfc/rfc6902#section-4.6)),
//! which is also the default way the conformance suite compares results.

mod equality;

pub use equality::equal;
