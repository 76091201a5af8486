//! Conflicts: places where the patch changes what another writer changed.

use std::fmt;

use serde_json::Value;

use crate::strategic::go::key_text;

/// One step of a [`Conflict`]'s path into a Kubernetes object.
///
/// Elements of merge lists are named by their merge key, as Kubernetes
/// matches them, so a path means the same element in the original, the
/// modified and the current object even where its index differs.
///
/// # Examples
///
/// ```
/// use patchlaw::three_way::Step;
/// use serde_json::json;
///
/// let path = [
///     Step::member("spec"),
///     Step::member("containers"),
///     Step::element("name", json!("app")),
///     Step::member("image"),
/// ];
/// assert_eq!(Step::display(&path), r#"/spec/containers/[name="app"]/image"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// A member of an object.
    Member(String),
    /// The element of a merge list whose merge key `key` has the value
    /// `value`.
    Element {
        /// The merge key's name.
        key: String,
        /// The merge key's value.
        value: Value,
    },
    /// An element of a list that is replaced whole, by position.
    Index(usize),
}

impl Step {
    /// A [`Step::Member`].
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::three_way::Step;
    ///
    /// assert_eq!(Step::member("spec"), Step::Member("spec".to_owned()));
    /// ```
    #[must_use]
    pub fn member(name: &str) -> Step {
        Step::Member(name.to_owned())
    }

    /// A [`Step::Element`].
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::three_way::Step;
    /// use serde_json::json;
    ///
    /// let step = Step::element("containerPort", json!(80));
    /// assert_eq!(step.to_json(), json!({"containerPort": 80}));
    /// ```
    #[must_use]
    pub fn element(key: &str, value: Value) -> Step {
        Step::Element {
            key: key.to_owned(),
            value,
        }
    }

    /// The step as JSON, as the conformance protocol writes paths: a string
    /// for a member, `{key: value}` for a merge-list element, a number for
    /// an index.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::three_way::Step;
    /// use serde_json::json;
    ///
    /// assert_eq!(Step::member("spec").to_json(), json!("spec"));
    /// assert_eq!(Step::Index(2).to_json(), json!(2));
    /// ```
    #[must_use]
    pub fn to_json(&self) -> Value {
        match self {
            Step::Member(name) => Value::String(name.clone()),
            Step::Element { key, value } => {
                let mut only = serde_json::Map::new();
                only.insert(key.clone(), value.clone());
                Value::Object(only)
            }
            Step::Index(i) => Value::from(*i),
        }
    }

    /// Reads a step written by [`Step::to_json`]; `None` for anything else.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::three_way::Step;
    /// use serde_json::json;
    ///
    /// let step = Step::element("name", json!("app"));
    /// assert_eq!(Step::from_json(&step.to_json()), Some(step));
    /// assert_eq!(Step::from_json(&json!([])), None);
    /// ```
    #[must_use]
    pub fn from_json(value: &Value) -> Option<Step> {
        match value {
            Value::String(name) => Some(Step::Member(name.clone())),
            Value::Number(n) => n
                .as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .map(Step::Index),
            Value::Object(only) if only.len() == 1 => {
                let (key, value) = only.iter().next()?;
                Some(Step::element(key, value.clone()))
            }
            _ => None,
        }
    }

    /// A path as text: JSON Pointer syntax for members and indices
    /// (escaped as RFC 6901 says), `[key="value"]` for merge-list elements.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::three_way::Step;
    ///
    /// let path = [Step::member("metadata"), Step::member("labels"), Step::member("app/tier")];
    /// assert_eq!(Step::display(&path), "/metadata/labels/app~1tier");
    /// ```
    #[must_use]
    pub fn display(path: &[Step]) -> String {
        let mut text = String::new();
        for step in path {
            text.push('/');
            match step {
                Step::Member(name) => text.push_str(&name.replace('~', "~0").replace('/', "~1")),
                Step::Element { key, value } => {
                    text.push('[');
                    text.push_str(key);
                    text.push('=');
                    text.push_str(&value.to_string());
                    text.push(']');
                }
                Step::Index(i) => text.push_str(&i.to_string()),
            }
        }
        text
    }

    /// The value at `path` in `doc`, if there is one. An element step finds
    /// the first element of the list whose merge key prints as the step's
    /// value does in Go (how Kubernetes pairs elements).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::three_way::Step;
    /// use serde_json::json;
    ///
    /// let pod = json!({"spec": {"containers": [{"name": "a", "image": "a:1"}]}});
    /// let path = [
    ///     Step::member("spec"),
    ///     Step::member("containers"),
    ///     Step::element("name", json!("a")),
    ///     Step::member("image"),
    /// ];
    /// assert_eq!(Step::find(&pod, &path), Some(&json!("a:1")));
    /// assert_eq!(Step::find(&pod, &[Step::member("status")]), None);
    /// ```
    #[must_use]
    pub fn find<'v>(doc: &'v Value, path: &[Step]) -> Option<&'v Value> {
        path.iter()
            .try_fold(doc, |value, step| match (value, step) {
                (Value::Object(members), Step::Member(name)) => members.get(name),
                (Value::Array(items), Step::Index(i)) => items.get(*i),
                (Value::Array(items), Step::Element { key, value }) => {
                    let wanted = key_text(value);
                    items
                        .iter()
                        .find(|item| item.get(key).is_some_and(|v| key_text(v) == wanted))
                }
                _ => None,
            })
    }
}

/// A place where the three-way patch changes a value that another writer
/// changed since the last apply: the patch and the change from the
/// original to the current object disagree there (the rule is
/// `spec/50-three-way.md`'s D5.5, Kubernetes' `MergingMapsHaveConflicts`).
///
/// With `overwrite` (the default, as in kubectl) conflicts do not stop the
/// apply; they say whose changes it overwrites. Without it, they are the
/// [`ErrorKind::Conflict`](crate::ErrorKind::Conflict) error's
/// [`conflicts`](crate::Error::conflicts).
///
/// # Examples
///
/// ```
/// use patchlaw::strategic::Schema;
/// use patchlaw::three_way::{self, Options, Step};
/// use serde_json::json;
///
/// let schema = Schema::builtin("apps/v1", "Deployment").expect("built in");
/// let original = json!({"spec": {"replicas": 3}});
/// let modified = json!({"spec": {"replicas": 4}});
/// let current = json!({"spec": {"replicas": 5}});
/// let outcome = three_way::strategic(&original, &modified, &current, &schema, Options::new())?;
/// let conflict = &outcome.conflicts[0];
/// assert_eq!(conflict.path(), &[Step::member("spec"), Step::member("replicas")]);
/// assert_eq!(conflict.original(), Some(&json!(3)));
/// assert_eq!(conflict.modified(), Some(&json!(4)));
/// assert_eq!(conflict.current(), Some(&json!(5)));
/// # Ok::<(), patchlaw::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    path: Vec<Step>,
    original: Option<Value>,
    modified: Option<Value>,
    current: Option<Value>,
}

impl Conflict {
    /// A conflict at `path`, with the value each document has there.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::three_way::{Conflict, Step};
    /// use serde_json::json;
    ///
    /// let c = Conflict::new(vec![Step::member("a")], Some(json!(1)), None, Some(json!(2)));
    /// assert_eq!(c.modified(), None);
    /// ```
    #[must_use]
    pub fn new(
        path: Vec<Step>,
        original: Option<Value>,
        modified: Option<Value>,
        current: Option<Value>,
    ) -> Conflict {
        Conflict {
            path,
            original,
            modified,
            current,
        }
    }

    /// Where the conflict is.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::three_way::{Conflict, Step};
    ///
    /// let c = Conflict::new(vec![Step::member("a")], None, None, None);
    /// assert_eq!(c.path(), &[Step::member("a")]);
    /// ```
    #[must_use]
    pub fn path(&self) -> &[Step] {
        &self.path
    }

    /// The value at the path in the original (the last-applied
    /// configuration), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::three_way::{Conflict, Step};
    /// use serde_json::json;
    ///
    /// let c = Conflict::new(vec![Step::member("a")], Some(json!(1)), None, None);
    /// assert_eq!(c.original(), Some(&json!(1)));
    /// ```
    #[must_use]
    pub fn original(&self) -> Option<&Value> {
        self.original.as_ref()
    }

    /// The value at the path in the modified (the new configuration), if
    /// any.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::three_way::{Conflict, Step};
    /// use serde_json::json;
    ///
    /// let c = Conflict::new(vec![Step::member("a")], None, Some(json!(2)), None);
    /// assert_eq!(c.modified(), Some(&json!(2)));
    /// ```
    #[must_use]
    pub fn modified(&self) -> Option<&Value> {
        self.modified.as_ref()
    }

    /// The value at the path in the current (live) object, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::three_way::{Conflict, Step};
    /// use serde_json::json;
    ///
    /// let c = Conflict::new(vec![Step::member("a")], None, None, Some(json!(5)));
    /// assert_eq!(c.current(), Some(&json!(5)));
    /// ```
    #[must_use]
    pub fn current(&self) -> Option<&Value> {
        self.current.as_ref()
    }

    /// The conflict as JSON, as the conformance protocol writes it:
    /// `{"path": [..], "original": .., "modified": .., "current": ..}`,
    /// each value left out where the document has none.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::three_way::{Conflict, Step};
    /// use serde_json::json;
    ///
    /// let c = Conflict::new(vec![Step::member("a")], Some(json!(1)), None, Some(json!(2)));
    /// assert_eq!(c.to_json(), json!({"path": ["a"], "original": 1, "current": 2}));
    /// ```
    #[must_use]
    pub fn to_json(&self) -> Value {
        let mut out = serde_json::Map::new();
        out.insert(
            "path".to_owned(),
            Value::Array(self.path.iter().map(Step::to_json).collect()),
        );
        for (name, value) in [
            ("original", &self.original),
            ("modified", &self.modified),
            ("current", &self.current),
        ] {
            if let Some(value) = value {
                out.insert(name.to_owned(), value.clone());
            }
        }
        Value::Object(out)
    }
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Value>| v.as_ref().map_or("(absent)".to_owned(), Value::to_string);
        write!(
            f,
            "{}: original {}, modified {}, current {}",
            Step::display(&self.path),
            show(&self.original),
            show(&self.modified),
            show(&self.current)
        )
    }
}
