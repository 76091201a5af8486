//! The crate's one error type and the stable codes of its causes.
//!
//! [`Error`] is one pointer wide (the details live behind a `Box`) and
//! `Clone + Send + Sync + 'static`. What went wrong is [`Error::kind`]; which
//! object, [`Error::key`]; a failed patch keeps patchlaw's own error
//! ([`Error::patch_error`]). Programs match on [`ErrorKind`] or its
//! [`code`](ErrorKind::code), never on the message text.

use std::fmt;

use crate::object::{Key, Revision};

/// An error from a store, a watch or the runtime.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::store::{MemoryStore, ReadAt, Store};
/// use patchlaw_reconcile::{ErrorKind, Key};
///
/// let store = MemoryStore::new();
/// let err = store.delete(&Key::new("Pod", "default", "web-0"), None).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::NotFound);
/// assert_eq!(err.kind().code(), "not-found");
/// assert_eq!(err.key().map(Key::name), Some("web-0"));
/// ```
#[derive(Clone, PartialEq)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone, PartialEq)]
struct Inner {
    kind: ErrorKind,
    key: Option<Key>,
    revision: Option<Revision>,
    detail: String,
    patch: Option<patchlaw::Error>,
}

impl Error {
    /// What caused the error.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::store::{MemoryStore, Store};
    /// use patchlaw_reconcile::ErrorKind;
    /// use serde_json::json;
    ///
    /// let err = MemoryStore::new().create(json!({"kind": "Pod"})).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Invalid);
    /// ```
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The object the error is about, when there is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::store::{MemoryStore, ReadAt, Store};
    /// use patchlaw_reconcile::Key;
    ///
    /// let key = Key::new("ConfigMap", "default", "settings");
    /// let err = MemoryStore::new().delete(&key, None).unwrap_err();
    /// assert_eq!(err.key(), Some(&key));
    /// ```
    #[must_use]
    pub fn key(&self) -> Option<&Key> {
        self.inner.key.as_ref()
    }

    /// The revision the error is about: for [`ErrorKind::Gone`], the
    /// revision the store is compacted to; for [`ErrorKind::Conflict`], the
    /// object's current `resourceVersion`; for
    /// [`ErrorKind::FutureRevision`], the store's current revision.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::store::{MemoryStore, Store};
    /// use patchlaw_reconcile::Revision;
    /// use serde_json::json;
    ///
    /// let store = MemoryStore::new();
    /// store.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}))?;
    /// store.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b"}}))?;
    /// store.compact(Revision::new(2))?;
    /// let err = store.watch(&patchlaw_reconcile::Selector::all(), Revision::ZERO).unwrap_err();
    /// assert_eq!(err.revision(), Some(Revision::new(2)));
    /// # Ok::<(), patchlaw_reconcile::Error>(())
    /// ```
    #[must_use]
    pub fn revision(&self) -> Option<Revision> {
        self.inner.revision
    }

    /// The human-readable detail, without the kind and key that `Display`
    /// adds around it.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::store::{MemoryStore, Store};
    /// use serde_json::json;
    ///
    /// let err = MemoryStore::new().create(json!([])).unwrap_err();
    /// assert!(err.detail().contains("object"));
    /// ```
    #[must_use]
    pub fn detail(&self) -> &str {
        &self.inner.detail
    }

    /// patchlaw's error, when a patch did not apply
    /// ([`ErrorKind::PatchFailed`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::store::{MemoryStore, Patch, Store};
    /// use patchlaw_reconcile::{ErrorKind, Key};
    /// use serde_json::json;
    ///
    /// let store = MemoryStore::new();
    /// let pod = store.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}))?;
    /// let patch = patchlaw::json_patch::Patch::from_value(&json!([{"op": "remove", "path": "/spec"}]))?;
    /// let err = store.patch(pod.key(), &Patch::Json(patch)).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::PatchFailed);
    /// assert_eq!(err.patch_error().map(|e| e.kind().code()), Some("path-not-found"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn patch_error(&self) -> Option<&patchlaw::Error> {
        self.inner.patch.as_ref()
    }

    /// An error of `kind`, for implementations of
    /// [`Store`](crate::store::Store) and [`Watch`](crate::store::Watch).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::{Error, ErrorKind, Key, Revision};
    ///
    /// let err = Error::new(ErrorKind::Gone, "compacted")
    ///     .with_key(&Key::new("Pod", "default", "a"))
    ///     .with_revision(Revision::new(7));
    /// assert_eq!(err.to_string(), "gone (Pod default/a): compacted");
    /// assert_eq!(err.revision(), Some(Revision::new(7)));
    /// ```
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                key: None,
                revision: None,
                detail: detail.into(),
                patch: None,
            }),
        }
    }

    /// The same error, about the object at `key`.
    ///
    /// # Examples
    ///
    /// See [`Error::new`].
    #[must_use]
    pub fn with_key(mut self, key: &Key) -> Error {
        self.inner.key = Some(key.clone());
        self
    }

    /// The same error, about `revision` (see [`Error::revision`]).
    ///
    /// # Examples
    ///
    /// See [`Error::new`].
    #[must_use]
    pub fn with_revision(mut self, revision: Revision) -> Error {
        self.inner.revision = Some(revision);
        self
    }

    /// A [`ErrorKind::PatchFailed`] error about `key`, keeping patchlaw's
    /// `error`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::{Error, Key};
    /// use serde_json::json;
    ///
    /// let cause = patchlaw::merge_patch::diff(&json!({}), &json!({"a": null})).unwrap_err();
    /// let err = Error::patch(cause, &Key::new("Pod", "", "a"));
    /// assert_eq!(err.patch_error().map(|e| e.kind().code()), Some("unrepresentable"));
    /// ```
    #[must_use]
    pub fn patch(error: patchlaw::Error, key: &Key) -> Error {
        let mut err = Error::new(ErrorKind::PatchFailed, error.to_string()).with_key(key);
        err.inner.patch = Some(error);
        err
    }
}

/// `<code> (<key>): <detail>`, the key and the detail when there are.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Inner {
            kind, key, detail, ..
        } = &*self.inner;
        let key = key.as_ref().map(|k| format!(" ({k})")).unwrap_or_default();
        let separator = if detail.is_empty() { "" } else { ": " };
        write!(f, "{}{key}{separator}{detail}", kind.code())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Error");
        s.field("kind", &self.inner.kind);
        if let Some(key) = &self.inner.key {
            s.field("key", key);
        }
        if let Some(revision) = &self.inner.revision {
            s.field("revision", revision);
        }
        s.field("detail", &self.inner.detail).finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .patch
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The cause of an [`Error`], one variant per distinct cause, each with a
/// stable kebab-case [`code`](ErrorKind::code).
///
/// The store's kinds are those of the Kubernetes API: `not-found` (404),
/// `already-exists` (409), `conflict` (409, a stale `resourceVersion`),
/// `gone` (410, a revision compacted away), `invalid` (422),
/// `unsupported-patch` (415), `future-revision` (a revision the store has
/// not reached; the API server's "too large resource version").
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::ErrorKind;
///
/// assert_eq!(ErrorKind::Gone.code(), "gone");
/// assert_eq!(ErrorKind::Conflict.code(), "conflict");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No object has the key (or it is deleted).
    NotFound,
    /// A create of a key that holds an object.
    AlreadyExists,
    /// A write whose `resourceVersion` precondition is not the object's
    /// current one: somebody wrote in between.
    Conflict,
    /// A read or watch needs a revision the store has compacted away:
    /// list again.
    Gone,
    /// A revision the store has not reached yet.
    FutureRevision,
    /// Not a valid object: not a JSON object, no `kind`, `apiVersion` or
    /// `metadata.name`, a key that a write would change, a
    /// `resourceVersion` on a create.
    Invalid,
    /// A strategic merge patch on a kind without a built-in schema (the API
    /// server answers 415 for custom resources).
    UnsupportedPatch,
    /// The patch does not apply to the object; [`Error::patch_error`] says
    /// why.
    PatchFailed,
    /// The watch was closed by the other side (a dropped connection):
    /// watch again from the last revision seen.
    Disconnected,
    /// The store could not be reached, or did not answer in time (a
    /// networked store: no leader, a member down, a broken connection). The
    /// outcome of a write that ends so is unknown: read the object to learn
    /// it.
    Unavailable,
}

impl ErrorKind {
    /// The stable code of the kind.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::ErrorKind::AlreadyExists.code(), "already-exists");
    /// ```
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not-found",
            ErrorKind::AlreadyExists => "already-exists",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Gone => "gone",
            ErrorKind::FutureRevision => "future-revision",
            ErrorKind::Invalid => "invalid",
            ErrorKind::UnsupportedPatch => "unsupported-patch",
            ErrorKind::PatchFailed => "patch-failed",
            ErrorKind::Disconnected => "disconnected",
            ErrorKind::Unavailable => "unavailable",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
