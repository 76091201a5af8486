//! Objects as the store keeps them: a JSON value with a [`Key`] (kind,
//! namespace, name) and a [`Revision`], its `resourceVersion`.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::error::{Error, ErrorKind};

/// A point in a store's history. Every write makes the store's revision
/// one higher, and the object written carries that revision as its
/// `metadata.resourceVersion` (in decimal), as Kubernetes objects carry the
/// etcd revision of their last write.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::Revision;
///
/// let r = Revision::new(41).next();
/// assert_eq!(r.get(), 42);
/// assert_eq!(r.to_string(), "42");
/// assert_eq!(Revision::parse("42"), Some(r));
/// assert!(Revision::ZERO < r);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Revision(u64);

impl Revision {
    /// The revision of an empty store, before any write.
    pub const ZERO: Revision = Revision(0);

    /// The revision numbered `n`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::Revision::new(3).get(), 3);
    /// ```
    #[must_use]
    pub const fn new(n: u64) -> Revision {
        Revision(n)
    }

    /// The number.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::Revision::ZERO.get(), 0);
    /// ```
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The revision after this one.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::Revision;
    ///
    /// assert_eq!(Revision::ZERO.next(), Revision::new(1));
    /// ```
    #[must_use]
    pub const fn next(self) -> Revision {
        Revision(self.0 + 1)
    }

    /// A `resourceVersion` read back: decimal digits, nothing else.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::Revision;
    ///
    /// assert_eq!(Revision::parse("7"), Some(Revision::new(7)));
    /// assert_eq!(Revision::parse("+7"), None);
    /// assert_eq!(Revision::parse(""), None);
    /// ```
    #[must_use]
    pub fn parse(text: &str) -> Option<Revision> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok().map(Revision)
    }
}

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where an object lives in a store: its `kind`, its `metadata.namespace`
/// (empty for cluster-scoped kinds) and its `metadata.name`. Keys sort by
/// kind, then namespace, then name, so that a kind's objects, and a
/// namespace's, are contiguous.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::Key;
/// use serde_json::json;
///
/// let key = Key::of(&json!({"apiVersion": "v1", "kind": "Pod",
///     "metadata": {"name": "web-0", "namespace": "default"}}))?;
/// assert_eq!(key, Key::new("Pod", "default", "web-0"));
/// assert_eq!(key.to_string(), "Pod default/web-0");
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    kind: String,
    namespace: String,
    name: String,
}

impl Key {
    /// The key of the object of `kind` named `name` in `namespace` (`""`
    /// for cluster-scoped kinds).
    ///
    /// # Examples
    ///
    /// ```
    /// let key = patchlaw_reconcile::Key::new("Namespace", "", "default");
    /// assert_eq!(key.to_string(), "Namespace default");
    /// ```
    pub fn new(
        kind: impl Into<String>,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> Key {
        Key {
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// The key of an object, read from its `kind`, `metadata.namespace`
    /// and `metadata.name`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`] when `object` is not a JSON object with a
    /// non-empty string `kind`, a string `apiVersion`, and a non-empty
    /// string `metadata.name`, or when `metadata.namespace` is there but not
    /// a string.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::{ErrorKind, Key};
    /// use serde_json::json;
    ///
    /// let err = Key::of(&json!({"apiVersion": "v1", "kind": "Pod", "metadata": {}})).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Invalid);
    /// ```
    pub fn of(object: &Value) -> Result<Key, Error> {
        let (kind, namespace) = kind_and_namespace(object)?;
        match object
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
        {
            Some(name) if !name.is_empty() => Ok(Key::new(kind, namespace, name)),
            _ => Err(Error::new(
                ErrorKind::Invalid,
                "an object needs a non-empty string metadata.name",
            )),
        }
    }

    /// The kind, e.g. `Deployment`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::Key::new("Pod", "default", "a").kind(), "Pod");
    /// ```
    #[must_use]
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The namespace, `""` for a cluster-scoped object.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::Key::new("Pod", "default", "a").namespace(), "default");
    /// ```
    #[must_use]
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::Key::new("Pod", "default", "a").name(), "a");
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// The kind and namespace of an object, checked as [`Key::of`] checks
/// them.
pub(crate) fn kind_and_namespace(object: &Value) -> Result<(&str, &str), Error> {
    let invalid = |what: &str| Err(Error::new(ErrorKind::Invalid, what.to_owned()));
    let Value::Object(members) = object else {
        return invalid("an object must be a JSON object");
    };
    let kind = match members.get("kind").and_then(Value::as_str) {
        Some(kind) if !kind.is_empty() => kind,
        _ => return invalid("an object needs a non-empty string kind"),
    };
    if !members.get("apiVersion").is_some_and(Value::is_string) {
        return invalid("an object needs a string apiVersion");
    }
    let namespace = match members.get("metadata") {
        Some(Value::Object(metadata)) => match metadata.get("namespace") {
            None | Some(Value::Null) => "",
            Some(Value::String(namespace)) => namespace,
            Some(_) => return invalid("metadata.namespace must be a string"),
        },
        _ => return invalid("an object needs a metadata object"),
    };
    Ok((kind, namespace))
}

/// Which objects a list, a watch or an informer covers: one kind (or every
/// kind), in one namespace (or every namespace).
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::{Key, Selector};
///
/// let pods = Selector::kind("Pod").namespace("default");
/// assert!(pods.matches(&Key::new("Pod", "default", "web-0")));
/// assert!(!pods.matches(&Key::new("Pod", "kube-system", "dns")));
/// assert!(Selector::all().matches(&Key::new("Node", "", "n1")));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Selector {
    kind: Option<String>,
    namespace: Option<String>,
}

impl Selector {
    /// Every object of every kind.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::Selector::all().get_kind(), None);
    /// ```
    #[must_use]
    pub const fn all() -> Selector {
        Selector {
            kind: None,
            namespace: None,
        }
    }

    /// Every object of `kind`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::Selector::kind("Pod").get_kind(), Some("Pod"));
    /// ```
    pub fn kind(kind: impl Into<String>) -> Selector {
        Selector {
            kind: Some(kind.into()),
            namespace: None,
        }
    }

    /// The same selection, in `namespace` only.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = patchlaw_reconcile::Selector::kind("Pod").namespace("default");
    /// assert_eq!(s.get_namespace(), Some("default"));
    /// ```
    #[must_use]
    pub fn namespace(self, namespace: impl Into<String>) -> Selector {
        Selector {
            namespace: Some(namespace.into()),
            ..self
        }
    }

    /// The kind selected, `None` for every kind.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::Selector::all().get_kind(), None);
    /// ```
    #[must_use]
    pub fn get_kind(&self) -> Option<&str> {
        self.kind.as_deref()
    }

    /// The namespace selected, `None` for every namespace.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::Selector::kind("Pod").get_namespace(), None);
    /// ```
    #[must_use]
    pub fn get_namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    /// Whether the object at `key` is selected.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::{Key, Selector};
    ///
    /// assert!(!Selector::kind("Pod").matches(&Key::new("Service", "default", "web")));
    /// ```
    #[must_use]
    pub fn matches(&self, key: &Key) -> bool {
        self.kind.as_deref().map_or(true, |kind| kind == key.kind)
            && self
                .namespace
                .as_deref()
                .map_or(true, |namespace| namespace == key.namespace)
    }

    /// The first key a sorted map of keys can hold in this selection, to
    /// start a range at.
    pub(crate) fn lower_bound(&self) -> Key {
        Key::new(
            self.kind.clone().unwrap_or_default(),
            self.namespace.clone().unwrap_or_default(),
            "",
        )
    }

    /// Whether keys after `key`, in key order, can still be selected.
    pub(crate) fn may_follow(&self, key: &Key) -> bool {
        match (&self.kind, &self.namespace) {
            (None, _) => true,
            (Some(kind), None) => kind == &key.kind,
            (Some(kind), Some(namespace)) => kind == &key.kind && namespace == &key.namespace,
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.as_deref().unwrap_or("every kind"))?;
        if let Some(namespace) = &self.namespace {
            write!(f, " in {namespace}")?;
        }
        Ok(())
    }
}

/// An object as a store returns it: its JSON value, whose
/// `metadata.resourceVersion` is the revision of its last write, with its
/// [`Key`] and that [`Revision`] read once. Cloning is cheap (the value is
/// shared); [`Object::to_value`] gives a copy to change and write back.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::store::{MemoryStore, Store};
/// use serde_json::json;
///
/// let store = MemoryStore::new();
/// let pod = store.create(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}}))?;
/// assert_eq!(pod.resource_version().get(), 1);
/// assert_eq!(pod.value()["metadata"]["resourceVersion"], "1");
/// let mut edited = pod.to_value();
/// edited["metadata"]["labels"] = json!({"app": "web"});
/// let updated = store.update(edited)?;
/// assert_eq!(updated.resource_version().get(), 2);
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
#[derive(Clone)]
pub struct Object {
    inner: Arc<Inner>,
}

struct Inner {
    key: Key,
    revision: Revision,
    value: Value,
}

impl Object {
    /// An object from its JSON value, which must carry its key and a
    /// `metadata.resourceVersion`: for building caches and test fixtures by
    /// hand. Stores build the objects they return themselves.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`] when [`Key::of`] refuses the value, or its
    /// `metadata.resourceVersion` is not a decimal string.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::{Object, Revision};
    /// use serde_json::json;
    ///
    /// let pod = Object::from_value(json!({"apiVersion": "v1", "kind": "Pod",
    ///     "metadata": {"name": "a", "resourceVersion": "12"}}))?;
    /// assert_eq!(pod.resource_version(), Revision::new(12));
    /// # Ok::<(), patchlaw_reconcile::Error>(())
    /// ```
    pub fn from_value(value: Value) -> Result<Object, Error> {
        let key = Key::of(&value)?;
        let revision = value
            .get("metadata")
            .and_then(|m| m.get("resourceVersion"))
            .and_then(Value::as_str)
            .and_then(Revision::parse)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Invalid,
                    "an object needs a decimal metadata.resourceVersion",
                )
                .with_key(&key)
            })?;
        Ok(Object::new(key, revision, value))
    }

    /// An object whose value already holds `revision` as its
    /// `resourceVersion`.
    pub(crate) fn new(key: Key, revision: Revision, value: Value) -> Object {
        Object {
            inner: Arc::new(Inner {
                key,
                revision,
                value,
            }),
        }
    }

    /// The key.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::{Key, Object};
    /// use serde_json::json;
    ///
    /// let o = Object::from_value(json!({"apiVersion": "v1", "kind": "Pod",
    ///     "metadata": {"name": "a", "resourceVersion": "1"}}))?;
    /// assert_eq!(o.key(), &Key::new("Pod", "", "a"));
    /// # Ok::<(), patchlaw_reconcile::Error>(())
    /// ```
    #[must_use]
    pub fn key(&self) -> &Key {
        &self.inner.key
    }

    /// The revision of the object's last write, its `resourceVersion` (for
    /// an object a watch reports deleted, the revision of the deletion).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::Object;
    /// use serde_json::json;
    ///
    /// let o = Object::from_value(json!({"apiVersion": "v1", "kind": "Pod",
    ///     "metadata": {"name": "a", "resourceVersion": "5"}}))?;
    /// assert_eq!(o.resource_version().get(), 5);
    /// # Ok::<(), patchlaw_reconcile::Error>(())
    /// ```
    #[must_use]
    pub fn resource_version(&self) -> Revision {
        self.inner.revision
    }

    /// The JSON value.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::Object;
    /// use serde_json::json;
    ///
    /// let o = Object::from_value(json!({"apiVersion": "v1", "kind": "Pod",
    ///     "metadata": {"name": "a", "resourceVersion": "5"}}))?;
    /// assert_eq!(o.value()["kind"], "Pod");
    /// # Ok::<(), patchlaw_reconcile::Error>(())
    /// ```
    #[must_use]
    pub fn value(&self) -> &Value {
        &self.inner.value
    }

    /// A copy of the JSON value, to change and write back.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::Object;
    /// use serde_json::json;
    ///
    /// let o = Object::from_value(json!({"apiVersion": "v1", "kind": "Pod",
    ///     "metadata": {"name": "a", "resourceVersion": "5"}}))?;
    /// let mut v = o.to_value();
    /// v["spec"] = json!({});
    /// assert!(o.value().get("spec").is_none());
    /// # Ok::<(), patchlaw_reconcile::Error>(())
    /// ```
    #[must_use]
    pub fn to_value(&self) -> Value {
        self.inner.value.clone()
    }

    /// The same object with another `resourceVersion`, as a watch reports
    /// a deleted object: its last state, at the revision of the deletion.
    pub(crate) fn at_revision(&self, revision: Revision) -> Object {
        let mut value = self.inner.value.clone();
        set_resource_version(&mut value, revision);
        Object::new(self.inner.key.clone(), revision, value)
    }
}

/// Two objects are equal when their keys, revisions and values are.
impl PartialEq for Object {
    fn eq(&self, other: &Object) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
            || (self.inner.key == other.inner.key
                && self.inner.revision == other.inner.revision
                && self.inner.value == other.inner.value)
    }
}

impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.inner.key, self.inner.revision)
    }
}

/// Writes `revision` as `value`'s `metadata.resourceVersion`; `value` is an
/// object with a `metadata` object (checked by [`Key::of`]).
pub(crate) fn set_resource_version(value: &mut Value, revision: Revision) {
    if let Some(Value::Object(metadata)) = value.get_mut("metadata") {
        metadata.insert(
            "resourceVersion".to_owned(),
            Value::String(revision.to_string()),
        );
    }
}

/// The `metadata.resourceVersion` of a value: `Ok(None)` when it has none
/// (or an empty one).
pub(crate) fn resource_version_of(value: &Value) -> Result<Option<Revision>, Error> {
    match value.get("metadata").and_then(|m| m.get("resourceVersion")) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => Revision::parse(text).map(Some).ok_or_else(|| {
            Error::new(
                ErrorKind::Invalid,
                format!("metadata.resourceVersion {text:?} is not a revision"),
            )
        }),
        Some(_) => Err(Error::new(
            ErrorKind::Invalid,
            "metadata.resourceVersion must be a string",
        )),
    }
}
