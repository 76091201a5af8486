//! The crate's one error type and the stable codes of its causes.
//!
//! [`Error`] is small (one pointer wide: the details live behind a `Box`, as
//! serde_json does it), cheap to move through `Result`, and
//! `Clone + Send + Sync + 'static`. What went wrong is [`Error::kind`]; where,
//! [`Error::op_index`] and [`Error::pointer`]. Programs and test vectors match
//! on [`ErrorKind::code`], never on the message text.

use std::fmt;

use crate::three_way::Conflict;

/// An error from any operation of this crate.
///
/// # Examples
///
/// ```
/// use patchlaw::{ErrorKind, PointerBuf};
/// use serde_json::json;
///
/// let doc = json!({"a": [1, 2]});
/// let err = PointerBuf::parse("/a/01")?.get(&doc).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidIndex);
/// assert_eq!(err.kind().code(), "invalid-index");
/// assert_eq!(err.pointer(), Some("/a/01"));
/// # Ok::<(), patchlaw::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    kind: ErrorKind,
    op_index: Option<usize>,
    pointer: Option<String>,
    detail: String,
    conflicts: Vec<Conflict>,
}

impl Error {
    /// What caused the error.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{ErrorKind, PointerBuf};
    ///
    /// let err = PointerBuf::parse("a/b").unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::InvalidPointer);
    /// ```
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The index of the patch operation that failed, for errors raised while
    /// applying or reading a multi-operation patch.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::PointerBuf;
    ///
    /// let err = PointerBuf::parse("a").unwrap_err();
    /// assert_eq!(err.op_index(), None);
    /// ```
    #[must_use]
    pub fn op_index(&self) -> Option<usize> {
        self.inner.op_index
    }

    /// The JSON Pointer (RFC 6901 string form) the error is about, when there
    /// is one: the pointer being parsed or evaluated, or the location in a
    /// document or patch where the problem was found.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::PointerBuf;
    /// use serde_json::json;
    ///
    /// let err = PointerBuf::parse("/x/y")?.get(&json!({})).unwrap_err();
    /// assert_eq!(err.pointer(), Some("/x/y"));
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn pointer(&self) -> Option<&str> {
        self.inner.pointer.as_deref()
    }

    /// The human-readable detail, without the kind, index or pointer that
    /// `Display` adds around it.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::PointerBuf;
    ///
    /// let err = PointerBuf::parse("/a~2").unwrap_err();
    /// assert!(err.detail().contains("~2"));
    /// ```
    #[must_use]
    pub fn detail(&self) -> &str {
        &self.inner.detail
    }

    /// The conflicts of a three-way merge that failed with
    /// [`ErrorKind::Conflict`] (empty for every other error).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::strategic::Schema;
    /// use patchlaw::three_way::{self, Options};
    /// use serde_json::json;
    ///
    /// let (o, m, c) = (json!({"a": 1}), json!({"a": 2}), json!({"a": 3}));
    /// let err = three_way::strategic(&o, &m, &c, &Schema::empty(), Options::new().overwrite(false))
    ///     .unwrap_err();
    /// assert_eq!(err.conflicts()[0].current(), Some(&json!(3)));
    /// ```
    #[must_use]
    pub fn conflicts(&self) -> &[Conflict] {
        &self.inner.conflicts
    }

    pub(crate) fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                op_index: None,
                pointer: None,
                detail: detail.into(),
                conflicts: Vec::new(),
            }),
        }
    }

    pub(crate) fn with_pointer(mut self, pointer: impl Into<String>) -> Self {
        self.inner.pointer = Some(pointer.into());
        self
    }

    pub(crate) fn with_conflicts(mut self, conflicts: Vec<Conflict>) -> Self {
        self.inner.conflicts = conflicts;
        self
    }

    pub(crate) fn with_op_index(mut self, index: usize) -> Self {
        self.inner.op_index = Some(index);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(index) = self.inner.op_index {
            write!(f, "operation {index}: ")?;
        }
        f.write_str(self.inner.kind.description())?;
        if let Some(pointer) = &self.inner.pointer {
            write!(f, " at {pointer:?}")?;
        }
        if !self.inner.detail.is_empty() {
            write!(f, ": {}", self.inner.detail)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Error");
        s.field("kind", &self.inner.kind);
        if let Some(index) = self.inner.op_index {
            s.field("op_index", &index);
        }
        if let Some(pointer) = &self.inner.pointer {
            s.field("pointer", pointer);
        }
        s.field("detail", &self.inner.detail).finish()
    }
}

impl std::error::Error for Error {}

/// The cause of an [`Error`], one variant per distinct cause.
///
/// New causes may be added in minor releases, so matches need a wildcard arm.
/// [`ErrorKind::code`] gives the stable kebab-case name that test vectors and
/// the conformance protocol use.
///
/// # Examples
///
/// ```
/// use patchlaw::ErrorKind;
///
/// assert_eq!(ErrorKind::PathNotFound.code(), "path-not-found");
/// assert_eq!(ErrorKind::from_code("path-not-found"), Some(ErrorKind::PathNotFound));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The patch is malformed: not an array, an operation that is not an
    /// object, an unknown `op`, or a required member missing or mistyped.
    InvalidPatch,
    /// The pointer string is not RFC 6901 syntax: it does not start with `/`
    /// or has a `~` not followed by `0` or `1`.
    InvalidPointer,
    /// A member or parent that the operation needs does not exist.
    PathNotFound,
    /// A token used on an array is not a canonical index (`01`, `+1`, `x`),
    /// or is `-` where a past-the-end index is not allowed.
    InvalidIndex,
    /// A canonical array index beyond the end of the array.
    IndexOutOfBounds,
    /// A token applied to a scalar (`null`, boolean, number or string).
    NotAContainer,
    /// A JSON Patch `test` operation found a different value.
    TestFailed,
    /// A JSON Patch `move` whose destination is inside its source.
    MoveIntoDescendant,
    /// A strategic merge patch list element lacks its declared merge key.
    MissingMergeKey,
    /// A strategic merge patch directive is unknown or not allowed here.
    InvalidDirective,
    /// Strategic merge patch: an object or list sits at a member name that
    /// the schema's type of the enclosing object does not declare
    /// (Kubernetes: "unable to find api field").
    UnknownField,
    /// Strategic merge patch: an object or list sits where the schema
    /// declares a type that cannot hold it — an object inside a value whose
    /// type is not a struct, or a list at a field that is neither a slice
    /// nor a pointer (Kubernetes: "merging an object in json but data type
    /// is not struct", "expected slice or array type").
    TypeMismatch,
    /// No patch of the requested format has the required effect.
    Unrepresentable,
    /// A three-way merge found a change made by another writer.
    Conflict,
    /// A three-way merge precondition does not hold.
    PreconditionFailed,
    /// A resource limit of [`Limits`](crate::Limits) was exceeded.
    LimitExceeded,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::ErrorKind;
    ///
    /// assert!(ErrorKind::ALL.contains(&ErrorKind::LimitExceeded));
    /// assert!(ErrorKind::ALL.iter().all(|kind| ErrorKind::from_code(kind.code()) == Some(*kind)));
    /// ```
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::InvalidPatch,
        ErrorKind::InvalidPointer,
        ErrorKind::PathNotFound,
        ErrorKind::InvalidIndex,
        ErrorKind::IndexOutOfBounds,
        ErrorKind::NotAContainer,
        ErrorKind::TestFailed,
        ErrorKind::MoveIntoDescendant,
        ErrorKind::MissingMergeKey,
        ErrorKind::InvalidDirective,
        ErrorKind::UnknownField,
        ErrorKind::TypeMismatch,
        ErrorKind::Unrepresentable,
        ErrorKind::Conflict,
        ErrorKind::PreconditionFailed,
        ErrorKind::LimitExceeded,
    ];

    /// The stable kebab-case code of this kind, as used by the conformance
    /// vectors and the adapter protocol.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::ErrorKind::LimitExceeded.code(), "limit-exceeded");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidPatch => "invalid-patch",
            ErrorKind::InvalidPointer => "invalid-pointer",
            ErrorKind::PathNotFound => "path-not-found",
            ErrorKind::InvalidIndex => "invalid-index",
            ErrorKind::IndexOutOfBounds => "index-out-of-bounds",
            ErrorKind::NotAContainer => "not-a-container",
            ErrorKind::TestFailed => "test-failed",
            ErrorKind::MoveIntoDescendant => "move-into-descendant",
            ErrorKind::MissingMergeKey => "missing-merge-key",
            ErrorKind::InvalidDirective => "invalid-directive",
            ErrorKind::UnknownField => "unknown-field",
            ErrorKind::TypeMismatch => "type-mismatch",
            ErrorKind::Unrepresentable => "unrepresentable",
            ErrorKind::Conflict => "conflict",
            ErrorKind::PreconditionFailed => "precondition-failed",
            ErrorKind::LimitExceeded => "limit-exceeded",
        }
    }

    /// The kind whose [`code`](ErrorKind::code) is `code`, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::ErrorKind;
    ///
    /// assert_eq!(ErrorKind::from_code("test-failed"), Some(ErrorKind::TestFailed));
    /// assert_eq!(ErrorKind::from_code("TestFailed"), None);
    /// ```
    #[must_use]
    pub fn from_code(code: &str) -> Option<ErrorKind> {
        ErrorKind::ALL
            .iter()
            .copied()
            .find(|kind| kind.code() == code)
    }

    fn description(self) -> &'static str {
        match self {
            ErrorKind::InvalidPatch => "invalid patch",
            ErrorKind::InvalidPointer => "invalid pointer",
            ErrorKind::PathNotFound => "path not found",
            ErrorKind::InvalidIndex => "invalid array index",
            ErrorKind::IndexOutOfBounds => "array index out of bounds",
            ErrorKind::NotAContainer => "not a container",
            ErrorKind::TestFailed => "test failed",
            ErrorKind::MoveIntoDescendant => "move into own descendant",
            ErrorKind::MissingMergeKey => "missing merge key",
            ErrorKind::InvalidDirective => "invalid directive",
            ErrorKind::UnknownField => "unknown field",
            ErrorKind::TypeMismatch => "type mismatch",
            ErrorKind::Unrepresentable => "unrepresentable",
            ErrorKind::Conflict => "conflict",
            ErrorKind::PreconditionFailed => "precondition failed",
            ErrorKind::LimitExceeded => "limit exceeded",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_pointer_wide() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn codes_are_unique_and_round_trip() {
        for &kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(kind.code()), Some(kind));
        }
        let mut codes: Vec<_> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn display_is_lower_case_without_period() {
        let err = Error::new(ErrorKind::PathNotFound, "member \"b\" does not exist")
            .with_pointer("/a/b")
            .with_op_index(3);
        let text = err.to_string();
        assert_eq!(
            text,
            "operation 3: path not found at \"/a/b\": member \"b\" does not exist"
        );
        assert!(!text.ends_with('.'));
    }
}
