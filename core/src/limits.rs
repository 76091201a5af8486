//! Resource limits for untrusted input.
//!
//! Every operation of this crate that walks a value recursively is bounded by
//! [`Limits::get_max_depth`]; input deeper than that is rejected with
//! [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded) before
//! anything is modified, never with a stack overflow. serde_json's own
//! `Clone`, `PartialEq` and `Drop` for [`Value`] recurse without a bound, so
//! the crate uses guarded replacements instead; two of them are public:
//! [`Limits::check_depth`] and [`dismantle`].

use serde_json::Value;

use crate::error::Error;
use crate::walk::{check_depth_at, depth_within};

pub use crate::walk::dismantle;

/// Bounds on the work an operation may do for untrusted input.
///
/// The [`Default`] (same as [`Limits::new`]) is safe for documents received
/// over a network and generous for real ones; [`Limits::unlimited`] removes
/// every bound (the algebraic laws are stated for it).
///
/// | limit | default | what it bounds |
/// |---|---|---|
/// | [`max_depth`](Limits::max_depth) | 512 | nesting depth of containers any operation walks into |
/// | [`max_operations`](Limits::max_operations) | 10,000 | operations in one JSON Patch (the Kubernetes API server's limit) |
/// | [`max_copy_size`](Limits::max_copy_size) | 16,777,216 (16 MiB) | accumulated size of the values copied by one patch |
///
/// The depth default leaves room on a 2 MiB thread stack (the default for
/// spawned threads and test threads) even in debug builds, whose frames are
/// largest; inputs parsed by serde_json are at most 128 deep by default, and
/// real Kubernetes objects rarely exceed 20.
///
/// Depth counts containers: a scalar has depth 0 and an array or object one
/// more than its deepest element (`[]` has depth 1, `{"a":[1]}` depth 2).
/// Copy size estimates the memory the copies allocate: the size of a
/// [`Value`] (32 bytes on 64-bit targets) per value copied, plus the bytes
/// of every string, member name and, under `arbitrary_precision`, number
/// text in it. It bounds the copy-doubling attack (CVE-2019-1002100).
///
/// # Examples
///
/// ```
/// use patchlaw::Limits;
///
/// let strict = Limits::new().max_depth(64).max_operations(100);
/// assert_eq!(strict.get_max_depth(), 64);
/// assert_eq!(Limits::default().get_max_depth(), 512);
/// assert_eq!(Limits::unlimited().get_max_operations(), usize::MAX);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    max_depth: usize,
    max_operations: usize,
    max_copy_size: usize,
}

impl Limits {
    /// The default depth limit.
    pub const DEFAULT_MAX_DEPTH: usize = 512;
    /// The default limit on operations in one patch.
    pub const DEFAULT_MAX_OPERATIONS: usize = 10_000;
    /// The default limit on accumulated copy size.
    pub const DEFAULT_MAX_COPY_SIZE: usize = 16 * 1024 * 1024;

    /// The default limits (see the table on [`Limits`]).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::Limits::new(), patchlaw::Limits::default());
    /// ```
    #[must_use]
    pub const fn new() -> Limits {
        Limits {
            max_depth: Limits::DEFAULT_MAX_DEPTH,
            max_operations: Limits::DEFAULT_MAX_OPERATIONS,
            max_copy_size: Limits::DEFAULT_MAX_COPY_SIZE,
        }
    }

    /// No limits at all.
    ///
    /// Recursion is then bounded only by the input, so a deep enough value
    /// can overflow the stack: use this for trusted input and for checking
    /// laws, not for data from the network.
    ///
    /// # Examples
    ///
    /// ```
    /// let all = patchlaw::Limits::unlimited();
    /// assert_eq!(all.get_max_depth(), usize::MAX);
    /// ```
    #[must_use]
    pub const fn unlimited() -> Limits {
        Limits {
            max_depth: usize::MAX,
            max_operations: usize::MAX,
            max_copy_size: usize::MAX,
        }
    }

    /// Sets the maximum nesting depth an operation walks into.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::Limits::new().max_depth(10).get_max_depth(), 10);
    /// ```
    #[must_use]
    pub const fn max_depth(self, depth: usize) -> Limits {
        Limits {
            max_depth: depth,
            ..self
        }
    }

    /// Sets the maximum number of operations in one patch.
    ///
    /// # Examples
    ///
    /// ```
    /// let limits = patchlaw::Limits::new().max_operations(5);
    /// assert_eq!(limits.get_max_operations(), 5);
    /// ```
    #[must_use]
    pub const fn max_operations(self, count: usize) -> Limits {
        Limits {
            max_operations: count,
            ..self
        }
    }

    /// Sets the maximum accumulated size of the values one patch copies.
    ///
    /// # Examples
    ///
    /// ```
    /// let limits = patchlaw::Limits::new().max_copy_size(1 << 20);
    /// assert_eq!(limits.get_max_copy_size(), 1 << 20);
    /// ```
    #[must_use]
    pub const fn max_copy_size(self, size: usize) -> Limits {
        Limits {
            max_copy_size: size,
            ..self
        }
    }

    /// The maximum nesting depth.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::Limits::new().get_max_depth(), 512);
    /// ```
    #[must_use]
    pub const fn get_max_depth(&self) -> usize {
        self.max_depth
    }

    /// The maximum number of operations in one patch.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::Limits::new().get_max_operations(), 10_000);
    /// ```
    #[must_use]
    pub const fn get_max_operations(&self) -> usize {
        self.max_operations
    }

    /// The maximum accumulated copy size.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::Limits::new().get_max_copy_size(), 16 * 1024 * 1024);
    /// ```
    #[must_use]
    pub const fn get_max_copy_size(&self) -> usize {
        self.max_copy_size
    }

    /// Checks that `value` is nested no deeper than
    /// [`get_max_depth`](Limits::get_max_depth), without recursion.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::LimitExceeded`](crate::ErrorKind::LimitExceeded), with the pointer of the first container
    /// found beyond the limit.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{ErrorKind, Limits};
    /// use serde_json::json;
    ///
    /// let limits = Limits::new().max_depth(2);
    /// assert!(limits.check_depth(&json!({"a": [1]})).is_ok());
    /// let err = limits.check_depth(&json!({"a": [[1]]})).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    /// assert_eq!(err.pointer(), Some("/a/0"));
    /// ```
    pub fn check_depth(&self, value: &Value) -> Result<(), Error> {
        // The recursive check allocates nothing and recurses at most
        // `max_depth` levels with small frames, which the operations that
        // follow need anyway; the iterative walk only finds the pointer.
        if self.max_depth == usize::MAX || depth_within(value, self.max_depth) {
            Ok(())
        } else {
            check_depth_at(value, self.max_depth, &[])
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn depth_counts_containers() {
        let limits = Limits::new().max_depth(1);
        assert!(limits.check_depth(&json!(1)).is_ok());
        assert!(limits.check_depth(&json!([])).is_ok());
        assert!(limits.check_depth(&json!({"a": 1, "b": [2]})).is_err());
        assert!(Limits::new().max_depth(0).check_depth(&json!({})).is_err());
        assert!(Limits::new().max_depth(0).check_depth(&json!("s")).is_ok());
    }

    #[test]
    fn depth_error_names_the_path() {
        let limits = Limits::new().max_depth(2);
        let err = limits
            .check_depth(&json!({"a": 1, "b": [0, {"c/d": {}}]}))
            .unwrap_err();
        assert_eq!(err.pointer(), Some("/b/1"));
    }
}
