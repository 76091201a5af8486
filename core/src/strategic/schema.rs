//! Patch metadata: which lists merge, by which key, and which values are
//! replaced whole.
//!
//! A [`Schema`] is a graph of object types. Each type has fields; each field
//! carries the [`Field`] metadata Kubernetes declares with
//! `x-kubernetes-patch-strategy` and `x-kubernetes-patch-merge-key` (in Go:
//! the `patchStrategy` and `patchMergeKey` struct tags), and points to the
//! type of its value — for a list, the type of its elements. A field the
//! schema does not know has no metadata: its objects merge and its lists are
//! replaced whole, as in RFC 7396.
//!
//! A schema may also be *typed*: its types then say which member names they
//! declare and what kind of value each field holds, and Kubernetes refuses
//! an object or a list where the type has no such field or cannot hold it
//! ([`SchemaRef::lookup_struct`], [`SchemaRef::lookup_slice`]). The
//! built-in schemas are typed by the Go types of the Kubernetes API, the
//! OpenAPI schemas by their `properties`; the builder's schemas and
//! [`Schema::empty`] describe patch metadata only, and refuse nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::go;
use crate::error::{Error, ErrorKind};
use crate::pointer::PointerBuf;

/// A field's patch strategy, `x-kubernetes-patch-strategy` without
/// `retainKeys` (which [`Field::retain_keys`] carries).
///
/// # Examples
///
/// ```
/// use patchlaw::strategic::Strategy;
///
/// assert_eq!(Strategy::default(), Strategy::Default);
/// assert_eq!(Strategy::Merge.name(), "merge");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Strategy {
    /// No strategy: objects merge member by member, lists are atomic
    /// (replaced whole).
    #[default]
    Default,
    /// `merge`: a list merges with the live list — element by element by
    /// the merge key for objects, as a duplicate-free union for primitives.
    Merge,
    /// `replace`: the value, an object too, is replaced whole.
    Replace,
}

impl Strategy {
    /// The strategy's name in `x-kubernetes-patch-strategy` (`""` for
    /// [`Strategy::Default`]).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::strategic::Strategy::Replace.name(), "replace");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Strategy::Default => "",
            Strategy::Merge => "merge",
            Strategy::Replace => "replace",
        }
    }
}

/// The patch metadata of one field.
///
/// # Examples
///
/// ```
/// use patchlaw::strategic::{Field, Strategy};
///
/// let volumes = Field::merge("name").with_retain_keys(true);
/// assert_eq!(volumes.strategy(), Strategy::Merge);
/// assert_eq!(volumes.merge_key(), Some("name"));
/// assert!(volumes.retain_keys());
/// assert_eq!(volumes.to_strategy_string(), "merge,retainKeys");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Field {
    strategy: Strategy,
    retain_keys: bool,
    merge_key: Option<Box<str>>,
}

impl Field {
    /// A field without metadata.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::strategic::Field::new().merge_key(), None);
    /// ```
    #[must_use]
    pub const fn new() -> Field {
        Field {
            strategy: Strategy::Default,
            retain_keys: false,
            merge_key: None,
        }
    }

    /// A `merge` list of objects keyed by `merge_key` (`containers` by
    /// `name`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::strategic::Field::merge("name").merge_key(), Some("name"));
    /// ```
    #[must_use]
    pub fn merge(merge_key: &str) -> Field {
        Field::new()
            .with_strategy(Strategy::Merge)
            .with_merge_key(merge_key)
    }

    /// A `merge` list of primitives (`finalizers`): a duplicate-free union.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::strategic::Field::merge_primitives().merge_key(), None);
    /// ```
    #[must_use]
    pub fn merge_primitives() -> Field {
        Field::new().with_strategy(Strategy::Merge)
    }

    /// A `replace` field.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::strategic::{Field, Strategy};
    /// assert_eq!(Field::replace().strategy(), Strategy::Replace);
    /// ```
    #[must_use]
    pub fn replace() -> Field {
        Field::new().with_strategy(Strategy::Replace)
    }

    /// Sets the strategy.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::strategic::{Field, Strategy};
    /// assert_eq!(Field::new().with_strategy(Strategy::Merge).strategy(), Strategy::Merge);
    /// ```
    #[must_use]
    pub fn with_strategy(self, strategy: Strategy) -> Field {
        Field { strategy, ..self }
    }

    /// Sets whether the field is `retainKeys`: a diff then lists the keys
    /// to keep in `$retainKeys` (apply honours `$retainKeys` wherever it
    /// appears).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw::strategic::Field::new().with_retain_keys(true).retain_keys());
    /// ```
    #[must_use]
    pub fn with_retain_keys(self, retain_keys: bool) -> Field {
        Field {
            retain_keys,
            ..self
        }
    }

    /// Sets the merge key.
    ///
    /// # Examples
    ///
    /// ```
    /// let ports = patchlaw::strategic::Field::new().with_merge_key("containerPort");
    /// assert_eq!(ports.merge_key(), Some("containerPort"));
    /// ```
    #[must_use]
    pub fn with_merge_key(self, merge_key: &str) -> Field {
        Field {
            merge_key: Some(merge_key.into()),
            ..self
        }
    }

    /// The strategy.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::strategic::{Field, Strategy};
    /// assert_eq!(Field::new().strategy(), Strategy::Default);
    /// ```
    #[must_use]
    pub const fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// Whether the field is `retainKeys`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!patchlaw::strategic::Field::new().retain_keys());
    /// ```
    #[must_use]
    pub const fn retain_keys(&self) -> bool {
        self.retain_keys
    }

    /// The merge key, for a list of objects.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::strategic::Field::merge("ip").merge_key(), Some("ip"));
    /// ```
    #[must_use]
    pub fn merge_key(&self) -> Option<&str> {
        self.merge_key.as_deref()
    }

    /// The strategy as `x-kubernetes-patch-strategy` writes it
    /// (`"merge,retainKeys"`, `""` for none).
    ///
    /// # Examples
    ///
    /// ```
    /// let f = patchlaw::strategic::Field::new().with_retain_keys(true);
    /// assert_eq!(f.to_strategy_string(), "retainKeys");
    /// ```
    #[must_use]
    pub fn to_strategy_string(&self) -> String {
        match (self.strategy.name(), self.retain_keys) {
            (name, false) => name.to_owned(),
            ("", true) => "retainKeys".to_owned(),
            (name, true) => format!("{name},retainKeys"),
        }
    }

    /// Parses `x-kubernetes-patch-strategy`: `merge`, `replace`,
    /// `retainKeys`, or `retainKeys` together with one of the others,
    /// separated by a comma.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidDirective`] for any other text (Kubernetes:
    /// "unexpected patch strategy").
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::strategic::{Field, Strategy};
    ///
    /// let f = Field::from_strategy_string("merge,retainKeys")?;
    /// assert_eq!((f.strategy(), f.retain_keys()), (Strategy::Merge, true));
    /// assert!(Field::from_strategy_string("merge,replace").is_err());
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    pub fn from_strategy_string(text: &str) -> Result<Field, Error> {
        let mut field = Field::new();
        let parts: Vec<&str> = if text.is_empty() {
            Vec::new()
        } else {
            text.split(',').collect()
        };
        let bad = || {
            Error::new(
                ErrorKind::InvalidDirective,
                format!("unexpected patch strategy {text:?}"),
            )
        };
        if parts.len() > 2 {
            return Err(bad());
        }
        for part in &parts {
            match *part {
                "retainKeys" if !field.retain_keys => field.retain_keys = true,
                "merge" if field.strategy == Strategy::Default => field.strategy = Strategy::Merge,
                "replace" if field.strategy == Strategy::Default => {
                    field.strategy = Strategy::Replace;
                }
                // Kubernetes takes any other single word as a strategy that
                // is neither `merge` nor `replace`: objects merge, lists are
                // atomic.
                _ if parts.len() == 1 => {}
                _ => return Err(bad()),
            }
        }
        Ok(field)
    }
}

/// Patch metadata for a whole object type and everything under it.
///
/// Cheap to clone (shared). Built from an OpenAPI document
/// ([`Schema::from_openapi`]), with the [`SchemaBuilder`], or taken from the
/// built-in table of Kubernetes kinds ([`Schema::builtin`]).
///
/// # Examples
///
/// ```
/// use patchlaw::strategic::{Field, Schema, Strategy};
///
/// let schema = Schema::builder()
///     .field("/spec/containers", Field::merge("name"))
///     .field("/spec/containers/ports", Field::merge("containerPort"))
///     .build()?;
/// let ports = schema.lookup("/spec/containers/ports")?.unwrap();
/// assert_eq!(ports.merge_key(), Some("containerPort"));
/// assert_eq!(schema.lookup("/spec/unknown")?, None);
/// # Ok::<(), patchlaw::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Schema {
    inner: Arc<Graph>,
    /// The type of the patched object: the graph's root, or another of its
    /// types (the built-in kinds share one graph).
    root: usize,
}

/// The object types of a schema, built by [`SchemaBuilder`] or read from
/// OpenAPI (`super::openapi`).
#[derive(Debug, Default)]
pub(super) struct Graph {
    nodes: Vec<Node>,
    root: usize,
}

/// An object type: its fields, and the field every other member name has
/// (`additionalProperties`, or `*` in the builder).
#[derive(Debug, Default)]
struct Node {
    /// The fields while the schema is being built.
    fields: BTreeMap<Box<str>, Entry>,
    /// The same once built, sorted by length, then by name: looked up for
    /// every member a patch or diff meets, where a contiguous slice beats
    /// walking the B-tree.
    table: Box<[(Box<str>, Entry)]>,
    /// `table[by_len[n]..by_len[n + 1]]` are the fields whose names have
    /// `n` bytes: a lookup compares a name with those alone, rarely more
    /// than two even in a typed struct of forty fields.
    by_len: Box<[u32]>,
    /// The fields with patch metadata on them or below, as indices into
    /// `table`: all that the metadata lookup ([`SchemaRef::field`]) needs,
    /// rarely more than a few even in a typed struct.
    marked: Box<[u32]>,
    any: Option<Entry>,
    /// No field here or below has patch metadata: values of this type
    /// patch and diff as plain JSON, so a diff may skip equal ones.
    plain: bool,
    /// Which member names the type declares, for the typed lookups.
    declares: Declares,
}

/// Which member names an object type declares: what
/// [`SchemaRef::lookup_struct`] finds for a name that is not a field.
#[derive(Debug, Default, Clone)]
pub(super) enum Declares {
    /// Every name: one that is not a field has no metadata (the builder's
    /// types, [`Schema::empty`], OpenAPI's
    /// `x-kubernetes-preserve-unknown-fields`).
    #[default]
    Any,
    /// Its fields, matched as Go's `encoding/json` matches struct fields:
    /// the exact name, else case-insensitively (a Go struct, by its type
    /// name).
    GoStruct(Box<str>),
    /// Its fields, by exact name (an OpenAPI schema with `properties`).
    Properties,
}

/// A field's metadata and the type of its value.
#[derive(Debug, Clone, Default)]
pub(super) struct Entry {
    pub(super) field: Field,
    /// The type of the value, or of the elements of a list.
    pub(super) node: Option<usize>,
    /// What an object found at the field is merged as.
    pub(super) object: Shape,
    /// What the elements of a list found at the field are merged as.
    pub(super) list: Shape,
}

/// What a value at a field is merged as, for the typed lookups: the
/// field's node, or a type that holds no members.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum Shape {
    /// A value of the entry's node (without a node: of an unknown type,
    /// which declares any name).
    #[default]
    Node,
    /// A value of the entry's node, a Go struct reached through a pointer
    /// field (Kubernetes then names the container's kind `ptr`).
    Pointer,
    /// A value of a Go type that is not a struct: a lookup inside is
    /// refused.
    Go(GoKind),
    /// A value of an OpenAPI schema without `properties` (a map, a scalar,
    /// an object without declared fields): a lookup inside is refused.
    NoProperties,
    /// For [`Entry::list`] only: the Go field is neither a slice nor a
    /// pointer, so a list there is refused.
    NotList,
}

/// The kind of a Go type that is not a struct, as `reflect.Kind` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum GoKind {
    Bool,
    Int32,
    Int64,
    Float64,
    String,
    Uint8,
    Map,
    Slice,
}

impl GoKind {
    /// The kind's name in Go's messages (`reflect.Kind.String`).
    pub(super) const fn name(self) -> &'static str {
        match self {
            GoKind::Bool => "bool",
            GoKind::Int32 => "int32",
            GoKind::Int64 => "int64",
            GoKind::Float64 => "float64",
            GoKind::String => "string",
            GoKind::Uint8 => "uint8",
            GoKind::Map => "map",
            GoKind::Slice => "slice",
        }
    }

    /// The kind named `name` (`int32`, `map`, ...).
    pub(super) fn from_name(name: &str) -> Option<GoKind> {
        [
            GoKind::Bool,
            GoKind::Int32,
            GoKind::Int64,
            GoKind::Float64,
            GoKind::String,
            GoKind::Uint8,
            GoKind::Map,
            GoKind::Slice,
        ]
        .into_iter()
        .find(|kind| kind.name() == name)
    }
}

impl Schema {
    /// The schema without any metadata: every object merges, every list is
    /// replaced whole. Strategic merge patch under it behaves as RFC 7396
    /// except for its directives.
    ///
    /// # Examples
    ///
    /// ```
    /// let schema = patchlaw::strategic::Schema::empty();
    /// assert_eq!(schema.lookup("/spec/containers")?, None);
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn empty() -> Schema {
        Schema {
            inner: Arc::new(Graph {
                nodes: vec![Node::default()],
                root: 0,
            }),
            root: 0,
        }
    }

    /// Starts building a schema from field paths.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::strategic::{Field, Schema};
    ///
    /// let schema = Schema::builder().field("/metadata/finalizers", Field::merge_primitives()).build()?;
    /// assert!(schema.lookup("/metadata/finalizers")?.is_some());
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn builder() -> SchemaBuilder {
        SchemaBuilder::default()
    }

    /// The metadata of the field at `path`, if the schema declares any.
    ///
    /// `path` is a JSON Pointer over field names in which list elements are
    /// implicit: `/spec/containers/env` is the `env` field of every
    /// container. A token `*` stands for any member of a map
    /// (`additionalProperties`).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidPointer`] when `path` is not a JSON Pointer.
    ///
    /// # Examples
    ///
    /// ```
    /// let schema = patchlaw::strategic::Schema::builtin("apps/v1", "Deployment").unwrap();
    /// let env = schema.lookup("/spec/template/spec/containers/env")?.unwrap();
    /// assert_eq!(env.merge_key(), Some("name"));
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    pub fn lookup(&self, path: &str) -> Result<Option<&Field>, Error> {
        let pointer = PointerBuf::parse(path)?;
        let mut node = Some(self.root);
        let mut found = None;
        for token in pointer.tokens() {
            let entry = node.and_then(|n| self.inner.entry(n, token));
            found = entry.map(|e| &e.field);
            node = entry.and_then(|e| e.node);
        }
        Ok(found.filter(|f| **f != Field::new()))
    }

    /// Every field with metadata, as `(path, field)` in the notation of
    /// [`Schema::lookup`], sorted by path. Recursive types are followed to
    /// `max_depth` fields deep.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::strategic::{Field, Schema};
    ///
    /// let schema = Schema::builder().field("/a/b", Field::replace()).build()?;
    /// let fields = schema.fields(8);
    /// assert_eq!(fields.len(), 1);
    /// assert_eq!(fields[0].0, "/a/b");
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn fields(&self, max_depth: usize) -> Vec<(String, Field)> {
        let mut out = Vec::new();
        let mut stack = vec![(self.root, String::new(), 0usize)];
        while let Some((node, path, depth)) = stack.pop() {
            if depth >= max_depth {
                continue;
            }
            let node_ref = &self.inner.nodes[node];
            let named = node_ref.table.iter().map(|(k, e)| (k.as_ref(), e));
            let any = node_ref.any.iter().map(|e| ("*", e));
            for (name, entry) in named.chain(any) {
                let child = format!("{path}/{}", crate::pointer::escape(name));
                if entry.field != Field::new() {
                    out.push((child.clone(), entry.field.clone()));
                }
                if let Some(next) = entry.node {
                    stack.push((next, child, depth + 1));
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// The schema of the graph's root type.
    pub(super) fn from_graph(graph: Graph) -> Schema {
        let root = graph.root;
        Schema {
            inner: Arc::new(graph.finished()),
            root,
        }
    }

    /// The schema of another type of the same graph.
    pub(super) fn rooted_at(&self, root: usize) -> Schema {
        Schema {
            inner: Arc::clone(&self.inner),
            root,
        }
    }

    pub(crate) fn root(&self) -> SchemaRef<'_> {
        SchemaRef {
            graph: &self.inner,
            node: Some(self.root),
            shape: Shape::Node,
        }
    }
}

impl Default for Schema {
    fn default() -> Schema {
        Schema::empty()
    }
}

impl Graph {
    /// Adds an object type without fields, and returns its index.
    pub(super) fn add_node(&mut self) -> usize {
        self.nodes.push(Node::default());
        self.nodes.len() - 1
    }

    /// Declares the field `name` of the type `node`.
    pub(super) fn set_field(&mut self, node: usize, name: &str, entry: Entry) {
        self.nodes[node].fields.insert(name.into(), entry);
    }

    /// Declares the field every other member of the type `node` has.
    pub(super) fn set_any(&mut self, node: usize, entry: Entry) {
        self.nodes[node].any = Some(entry);
    }

    /// Makes `node` the type of the patched object.
    pub(super) fn set_root(&mut self, node: usize) {
        self.root = node;
    }

    /// Says which member names the type `node` declares.
    pub(super) fn set_declares(&mut self, node: usize, declares: Declares) {
        self.nodes[node].declares = declares;
    }

    /// Marks the nodes with no metadata at or below them (a fixpoint, as
    /// types may be recursive).
    fn finished(mut self) -> Graph {
        for node in &mut self.nodes {
            node.plain = true;
            let mut table: Vec<(Box<str>, Entry)> =
                std::mem::take(&mut node.fields).into_iter().collect();
            table.sort_by_key(|(name, _)| name.len());
            let longest = table.last().map_or(0, |(name, _)| name.len());
            node.by_len = (0..=longest + 1)
                .map(|n| {
                    let first = table.partition_point(|(name, _)| name.len() < n);
                    u32::try_from(first).unwrap_or(u32::MAX)
                })
                .collect();
            node.table = table.into_boxed_slice();
        }
        loop {
            let mut changed = false;
            for i in 0..self.nodes.len() {
                if !self.nodes[i].plain {
                    continue;
                }
                let node = &self.nodes[i];
                let mut entries = node.table.iter().map(|(_, e)| e).chain(node.any.iter());
                if entries.any(|e| self.carries_metadata(e)) {
                    self.nodes[i].plain = false;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        for i in 0..self.nodes.len() {
            let node = &self.nodes[i];
            let marked = (0..node.table.len())
                .filter(|&f| self.carries_metadata(&node.table[f].1))
                .map(|f| u32::try_from(f).unwrap_or(u32::MAX))
                .collect();
            self.nodes[i].marked = marked;
        }
        self
    }

    /// Whether a field has patch metadata, on it or below (as far as the
    /// nodes are marked `plain` so far).
    fn carries_metadata(&self, entry: &Entry) -> bool {
        entry.field != Field::new() || entry.node.is_some_and(|n| !self.nodes[n].plain)
    }

    /// The field `name` of `node`, or the field every other name has.
    fn entry(&self, node: usize, name: &str) -> Option<&Entry> {
        let node = &self.nodes[node];
        node.field(name).or(node.any.as_ref())
    }

    /// As [`Graph::entry`] for the patch metadata alone: a field without
    /// metadata on it or below is as good as none.
    fn marked_entry(&self, node: usize, name: &str) -> Option<&Entry> {
        let node = &self.nodes[node];
        let found = node
            .marked
            .iter()
            .map(|&i| &node.table[i as usize])
            .find(|(field, _)| crate::walk::same_str(field, name));
        found.map(|(_, entry)| entry).or(node.any.as_ref())
    }
}

impl Node {
    /// The field named exactly `name`.
    fn field(&self, name: &str) -> Option<&Entry> {
        let n = name.len();
        let (Some(&first), Some(&end)) = (self.by_len.get(n), self.by_len.get(n + 1)) else {
            return None;
        };
        self.table[first as usize..end as usize]
            .iter()
            .find(|(field, _)| crate::walk::same_str(field, name))
            .map(|(_, entry)| entry)
    }

    /// The field `name` selects under the type's rules, or `None` when the
    /// type does not declare it: Kubernetes' error then.
    fn declared(&self, name: &str) -> Result<Option<&Entry>, Error> {
        match &self.declares {
            Declares::Any => Ok(self.field(name).or(self.any.as_ref())),
            // `encoding/json` takes the exact name, else the first field in
            // declaration order whose name folds to it; no two fields of a
            // Kubernetes type fold alike, so any order finds the same one.
            Declares::GoStruct(go_name) => self
                .field(name)
                .or_else(|| {
                    self.table
                        .iter()
                        .find(|(field, _)| go::equal_fold(field, name))
                        .map(|(_, entry)| entry)
                })
                .map(Some)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::UnknownField,
                        format!(
                            "unable to find api field in struct {go_name} for the json field {}",
                            go::quote(name)
                        ),
                    )
                }),
            Declares::Properties => self
                .field(name)
                .map(Some)
                .ok_or_else(|| unable_to_find(name)),
        }
    }
}

/// OpenAPI's refusal of a name (`PatchMetaFromOpenAPIV3`).
fn unable_to_find(name: &str) -> Error {
    Error::new(
        ErrorKind::UnknownField,
        format!("unable to find api field \"{name}\""),
    )
}

/// A position in a schema: the type of the value being patched, if known.
///
/// Two kinds of lookup give the type of a member `name` of a value of this
/// type. [`field`](SchemaRef::field) never fails: a name the type does not
/// know has no metadata. [`lookup_struct`](SchemaRef::lookup_struct) and
/// [`lookup_slice`](SchemaRef::lookup_slice) are Kubernetes'
/// `LookupPatchMetadataForStruct` and `LookupPatchMetadataForSlice`: under
/// a typed schema they refuse a name the type does not declare, and a type
/// that cannot hold an object or a list, with Kubernetes' error (without a
/// pointer: the caller knows the place). The positions they return carry
/// what the next lookup needs; walk a value with the positions of one kind
/// of lookup. Kubernetes makes the fallible lookup at member `k` of an
/// object exactly when it is about to descend into two values there:
///
/// - apply (`mergeMap`): when the document's and the patch's values at `k`
///   are both objects ([`lookup_struct`](SchemaRef::lookup_struct)) or both
///   lists ([`lookup_slice`](SchemaRef::lookup_slice)), equal or not;
///   for `$setElementOrder/k` always; for `$deleteFromPrimitiveList/k`
///   when the document's `k` is a list too;
/// - two-way diff (`diffMaps`): when `from[k]` and `to[k]` are both objects
///   or both lists; the error counts only when the two values are not
///   deeply equal (Go's `reflect.DeepEqual` on the decoded JSON: member
///   order aside, `1` ≠ `1.0`), otherwise the member is unchanged and the
///   diff goes on;
/// - three-way: both two-way diffs (current → modified, original →
///   modified) under that rule, with `overwrite: false` also original →
///   current, then the conflict check, which looks `k` up for every member
///   of both the patch and the changes whose patch value is an object or a
///   list.
///
/// Nothing deeper than a refused member is reached, so the error names the
/// outermost undeclared member. Values on one side only, values of
/// different JSON types (`null` included), scalars, and the elements of a
/// list replaced whole are never looked up.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SchemaRef<'s> {
    graph: &'s Graph,
    node: Option<usize>,
    /// What the value is merged as, for the typed lookups.
    shape: Shape,
}

/// What the schema says of one field.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FieldRef<'s> {
    pub(crate) field: Option<&'s Field>,
    /// The type of the field's value (or list elements).
    pub(crate) schema: SchemaRef<'s>,
}

impl<'s> SchemaRef<'s> {
    /// Whether values of this type carry no patch metadata anywhere below
    /// (unknown types included).
    pub(crate) fn is_plain(self) -> bool {
        match self.node {
            None => true,
            Some(n) => self.graph.nodes[n].plain,
        }
    }

    /// The metadata of the member `name` of a value of this type, never
    /// refused: a name the type does not know has none.
    pub(crate) fn field(self, name: &str) -> FieldRef<'s> {
        let entry = self.node.and_then(|n| self.graph.marked_entry(n, name));
        self.at(entry, Shape::Node)
    }

    /// `LookupPatchMetadataForStruct(name)`: the field of the member `name`
    /// of a value of this type, about to be merged or diffed as an object.
    ///
    /// # Errors
    ///
    /// Under a typed schema, Kubernetes' refusal:
    ///
    /// - [`ErrorKind::TypeMismatch`]: this value's Go type is not a struct
    ///   ("merging an object in json but data type is not struct, instead
    ///   is: map");
    /// - [`ErrorKind::UnknownField`]: the type does not declare `name`
    ///   ("unable to find api field in struct Deployment for the json field
    ///   \"foo\"", or for OpenAPI "unable to find api field \"foo\"").
    pub(crate) fn lookup_struct(self, name: &str) -> Result<FieldRef<'s>, Error> {
        let entry = self.declared(name)?;
        Ok(self.at(entry, entry.map_or(Shape::Node, |e| e.object)))
    }

    /// `LookupPatchMetadataForSlice(name)`: the field of the member `name`
    /// of a value of this type, about to be merged or diffed as a list;
    /// the position returned is that of its elements.
    ///
    /// # Errors
    ///
    /// As [`lookup_struct`](SchemaRef::lookup_struct), and
    /// [`ErrorKind::TypeMismatch`] when the Go field is neither a slice nor
    /// a pointer ("expected slice or array type, but got: struct", or `ptr`
    /// when this value was reached through a pointer field).
    pub(crate) fn lookup_slice(self, name: &str) -> Result<FieldRef<'s>, Error> {
        let entry = self.declared(name)?;
        let shape = entry.map_or(Shape::Node, |e| e.list);
        if shape == Shape::NotList {
            let container = if self.shape == Shape::Pointer {
                "ptr"
            } else {
                "struct"
            };
            return Err(Error::new(
                ErrorKind::TypeMismatch,
                format!("expected slice or array type, but got: {container}"),
            ));
        }
        Ok(self.at(entry, shape))
    }

    /// The entry the typed lookups find for `name`.
    fn declared(self, name: &str) -> Result<Option<&'s Entry>, Error> {
        match self.shape {
            Shape::Node | Shape::Pointer => match self.node {
                Some(n) => self.graph.nodes[n].declared(name),
                None => Ok(None),
            },
            Shape::Go(kind) => Err(Error::new(
                ErrorKind::TypeMismatch,
                format!(
                    "merging an object in json but data type is not struct, instead is: {}",
                    kind.name()
                ),
            )),
            Shape::NoProperties | Shape::NotList => Err(unable_to_find(name)),
        }
    }

    fn at(self, entry: Option<&'s Entry>, shape: Shape) -> FieldRef<'s> {
        FieldRef {
            field: entry.map(|e| &e.field),
            schema: SchemaRef {
                graph: self.graph,
                node: entry.and_then(|e| e.node),
                shape,
            },
        }
    }
}

impl FieldRef<'_> {
    pub(crate) fn strategy(&self) -> Strategy {
        self.field.map_or(Strategy::Default, Field::strategy)
    }

    pub(crate) fn merge_key(&self) -> Option<&str> {
        self.field.and_then(Field::merge_key)
    }
}

/// Builds a [`Schema`] from field paths.
///
/// Paths are JSON Pointers over field names with list elements implicit
/// (see [`Schema::lookup`]); `*` stands for any member of a map.
///
/// # Examples
///
/// ```
/// use patchlaw::strategic::{Field, Schema};
///
/// let schema = Schema::builder()
///     .field("/spec/volumes", Field::merge("name").with_retain_keys(true))
///     .field("/data/*/items", Field::merge("key"))
///     .build()?;
/// assert!(schema.lookup("/data/anything/items")?.is_some());
/// # Ok::<(), patchlaw::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct SchemaBuilder {
    graph: Graph,
    error: Option<Error>,
}

impl SchemaBuilder {
    /// Declares the metadata of the field at `path`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::strategic::{Field, Schema};
    /// let schema = Schema::builder().field("/spec/selector", Field::replace()).build()?;
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn field(mut self, path: &str, field: Field) -> SchemaBuilder {
        if self.error.is_some() {
            return self;
        }
        if self.graph.nodes.is_empty() {
            self.graph.nodes.push(Node::default());
        }
        let pointer = match PointerBuf::parse(path) {
            Ok(p) if !p.tokens().is_empty() => p,
            Ok(_) => {
                self.error = Some(Error::new(
                    ErrorKind::InvalidPointer,
                    "a field path cannot be the root",
                ));
                return self;
            }
            Err(err) => {
                self.error = Some(err);
                return self;
            }
        };
        let tokens = pointer.tokens();
        let mut node = self.graph.root;
        for (i, token) in tokens.iter().enumerate() {
            let last = i + 1 == tokens.len();
            let next_node = self.graph.nodes.len();
            let entry = {
                let current = &mut self.graph.nodes[node];
                if token == "*" {
                    current.any.get_or_insert_with(Entry::default)
                } else {
                    current.fields.entry(token.as_str().into()).or_default()
                }
            };
            if last {
                entry.field = field.clone();
            }
            if !last {
                match entry.node {
                    Some(child) => node = child,
                    None => {
                        entry.node = Some(next_node);
                        self.graph.nodes.push(Node::default());
                        node = next_node;
                    }
                }
            }
        }
        self
    }

    /// The schema.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidPointer`] for the first path that was not a JSON
    /// Pointer naming a field.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::strategic::{Field, Schema};
    /// assert!(Schema::builder().field("spec", Field::replace()).build().is_err());
    /// ```
    pub fn build(mut self) -> Result<Schema, Error> {
        if let Some(err) = self.error {
            return Err(err);
        }
        if self.graph.nodes.is_empty() {
            self.graph.add_node();
        }
        Ok(Schema::from_graph(self.graph))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refusal(result: Result<FieldRef<'_>, Error>) -> (ErrorKind, String) {
        let err = result.map(|_| ()).unwrap_err();
        (err.kind(), err.detail().to_owned())
    }

    #[test]
    fn builder_and_empty_schemas_refuse_nothing() {
        let built = Schema::builder()
            .field("/spec/containers", Field::merge("name"))
            .build();
        let schema = built.unwrap();
        let root = schema.root();
        assert!(root.lookup_struct("anything").is_ok());
        let spec = root.lookup_struct("spec").unwrap().schema;
        assert!(spec.lookup_slice("other").is_ok());
        let containers = spec.lookup_slice("containers").unwrap();
        assert_eq!(containers.merge_key(), Some("name"));
        assert!(containers.schema.lookup_struct("x").is_ok());
        assert!(Schema::empty().root().lookup_slice("x").is_ok());
    }

    #[test]
    fn openapi_declares_its_properties_exactly() {
        let doc = json!({"definitions": {
            "T": {"properties": {
                "spec": {"$ref": "#/definitions/S"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "flag": {"type": "boolean"},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
            }},
            "S": {"properties": {"items": {"type": "array", "items": {"$ref": "#/definitions/S"}}}},
        }});
        let schema = Schema::from_openapi(&doc, "T").unwrap();
        let root = schema.root();
        let unknown = |name: &str| {
            (
                ErrorKind::UnknownField,
                format!("unable to find api field \"{name}\""),
            )
        };
        assert_eq!(refusal(root.lookup_struct("Spec")), unknown("Spec"));
        let labels = root.lookup_struct("labels").unwrap().schema;
        assert_eq!(refusal(labels.lookup_struct("x")), unknown("x"));
        // A list is accepted at any declared field, a scalar one included;
        // nothing is declared inside it.
        let flag = root.lookup_slice("flag").unwrap().schema;
        assert_eq!(refusal(flag.lookup_struct("a")), unknown("a"));
        let free = root.lookup_struct("free").unwrap().schema;
        assert!(free.lookup_struct("anything").is_ok());
        let items = root
            .lookup_struct("spec")
            .unwrap()
            .schema
            .lookup_slice("items");
        assert!(items.unwrap().schema.lookup_struct("items").is_ok());
    }

    #[test]
    fn go_types_refuse_as_kubernetes_does() {
        let schema = Schema::builtin("apps/v1", "Deployment").unwrap();
        let spec = schema.root().lookup_struct("spec").unwrap().schema;
        assert!(spec.lookup_struct("\u{17F}elector").is_ok());
        // `selector *LabelSelector`: a pointer, so a list is accepted there,
        // and the kind named inside it is `ptr`.
        assert!(spec.lookup_slice("selector").is_ok());
        let selector = spec.lookup_struct("selector").unwrap().schema;
        assert_eq!(
            refusal(selector.lookup_slice("matchLabels")),
            (
                ErrorKind::TypeMismatch,
                "expected slice or array type, but got: ptr".to_owned()
            )
        );
        assert_eq!(
            refusal(spec.lookup_slice("template")),
            (
                ErrorKind::TypeMismatch,
                "expected slice or array type, but got: struct".to_owned()
            )
        );
        let containers = spec
            .lookup_struct("template")
            .and_then(|t| t.schema.lookup_struct("spec"))
            .and_then(|s| s.schema.lookup_slice("containers"))
            .unwrap();
        assert_eq!(containers.merge_key(), Some("name"));
        assert_eq!(
            refusal(containers.schema.lookup_struct("bogus")),
            (
                ErrorKind::UnknownField,
                "unable to find api field in struct Container for the json field \"bogus\""
                    .to_owned()
            )
        );
    }

    #[test]
    fn strategy_strings() {
        for (text, strategy, retain) in [
            ("", Strategy::Default, false),
            ("merge", Strategy::Merge, false),
            ("replace", Strategy::Replace, false),
            ("retainKeys", Strategy::Default, true),
            ("retainKeys,merge", Strategy::Merge, true),
        ] {
            let f = Field::from_strategy_string(text).unwrap();
            assert_eq!(
                (f.strategy(), f.retain_keys()),
                (strategy, retain),
                "{text}"
            );
        }
        assert!(Field::from_strategy_string("merge,replace").is_err());
        assert!(Field::from_strategy_string("a,b,c").is_err());
    }
}
