//! JSON Pointer, [RFC 6901](https://www.rfc-editor.org/rfc/rfc6901).
//!
//! [`PointerBuf`] owns a pointer and [`Pointer`] borrows one, as
//! [`PathBuf`](std::path::PathBuf) and [`Path`](std::path::Path) do. Both hold
//! the reference tokens already split and unescaped, so a pointer is parsed
//! once and then evaluated, compared and sliced ([`Pointer::parent`],
//! [`Pointer::starts_with`]) without touching its string form again.
//!
//! # Evaluation rules
//!
//! - `""` is the whole document; `"/"` is the member named `""`.
//! - Escapes are undone `~1` → `/` first, then `~0` → `~`, so `~01` is the
//!   key `~1` ([RFC 6901 §4](https://www.rfc-editor.org/rfc/rfc6901#section-4)).
//! - Any token is valid syntax. Against an object it names a member, whatever
//!   it looks like (`/01` can name the member `"01"`). Against an array it
//!   must be a canonical index, `0` or `[1-9][0-9]*`: no sign, no leading
//!   zero, no white space (`invalid-index` otherwise), and less than the
//!   array's length (`index-out-of-bounds` otherwise). `-`, the element after
//!   the last, is accepted only where an operation may create an element
//!   (JSON Patch `add`, and the destination of `move` and `copy`); evaluating
//!   it with [`Pointer::get`] is `invalid-index`.
//! - A token applied to `null`, a boolean, a number or a string is
//!   `not-a-container`.
//!
//! # Why not the `jsonptr` crate
//!
//! This module is hand-written because lookups are on every hot path and a
//! pre-split pointer is faster to evaluate: `jsonptr` keeps the encoded
//! string and splits and decodes each token again on every lookup. On the
//! 7-token `/spec/template/spec/containers/2/env/7/value` into a 15 KB
//! Kubernetes Deployment (`benches/benches/pointer.rs`, medians on the 2-core
//! development machine, see `benches/README.md`) [`Pointer::get`] takes 76 ns
//! against 243 ns for `jsonptr`'s `resolve` on an already-parsed pointer
//! (0.31×), and 22 ns against 60 ns on `/spec/replicas` (0.37×). The price is
//! paid at parse time: [`PointerBuf::parse`] allocates its tokens where
//! `jsonptr` only validates the string, so parsing and then evaluating once
//! takes 1.3–1.6× `jsonptr`'s time (333 ns against 255 ns, 99 ns against
//! 64 ns). Parse once, evaluate many times. The errors match `jsonptr`'s one
//! for one (syntax, missing member, non-canonical index, index out of bounds,
//! scalar) except for `-` on an array, which is [`ErrorKind::InvalidIndex`]
//! here, as `invalid-index` requires, and out of bounds in `jsonptr`.

use std::borrow::{Borrow, Cow};
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde_json::Value;

use crate::error::{Error, ErrorKind};

/// A borrowed JSON Pointer: a slice of unescaped reference tokens.
///
/// Obtained from a [`PointerBuf`] (through `Deref`), from [`Pointer::root`] or
/// from [`Pointer::from_tokens`]. Its `Display` is the RFC 6901 string form.
///
/// # Examples
///
/// ```
/// use patchlaw::PointerBuf;
/// use serde_json::json;
///
/// let doc = json!({"spec": {"containers": [{"name": "app"}]}});
/// let ptr = PointerBuf::parse("/spec/containers/0/name")?;
/// assert_eq!(ptr.get(&doc)?, "app");
/// assert_eq!(ptr.parent().unwrap().to_string(), "/spec/containers/0");
/// assert_eq!(ptr.last(), Some("name"));
/// # Ok::<(), patchlaw::Error>(())
/// ```
#[derive(PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct Pointer {
    tokens: [String],
}

impl Pointer {
    /// The empty pointer `""`, which refers to the whole document.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::Pointer;
    ///
    /// assert!(Pointer::root().is_root());
    /// assert_eq!(Pointer::root().to_string(), "");
    /// ```
    #[must_use]
    pub const fn root() -> &'static Pointer {
        Pointer::from_tokens(&[])
    }

    /// Views a slice of unescaped tokens as a pointer.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::Pointer;
    ///
    /// let tokens = ["a/b".to_owned(), "~".to_owned()];
    /// assert_eq!(Pointer::from_tokens(&tokens).to_string(), "/a~1b/~0");
    /// ```
    #[must_use]
    #[allow(unsafe_code)]
    pub const fn from_tokens(tokens: &[String]) -> &Pointer {
        // SAFETY: `Pointer` is `repr(transparent)` over `[String]`, so the two
        // references have the same layout and metadata (the slice length);
        // this is how `std::path::Path` wraps `OsStr`.
        unsafe { &*(tokens as *const [String] as *const Pointer) }
    }

    /// The unescaped reference tokens, first to last.
    ///
    /// # Examples
    ///
    /// ```
    /// let ptr = patchlaw::PointerBuf::parse("/a~1b/0")?;
    /// assert_eq!(ptr.tokens(), ["a/b", "0"]);
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub const fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// The number of reference tokens (0 for the root).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::PointerBuf::parse("/a/b")?.len(), 2);
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub const fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether this is the root pointer `""`. (`"/"` is not the root: it names
    /// the member `""`.)
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::PointerBuf;
    ///
    /// assert!(PointerBuf::parse("")?.is_root());
    /// assert!(!PointerBuf::parse("/")?.is_root());
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub const fn is_root(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The same as [`is_root`](Pointer::is_root), for symmetry with
    /// [`len`](Pointer::len).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw::Pointer::root().is_empty());
    /// ```
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The pointer without its last token, or `None` for the root.
    ///
    /// # Examples
    ///
    /// ```
    /// let ptr = patchlaw::PointerBuf::parse("/a/b")?;
    /// assert_eq!(ptr.parent().unwrap().to_string(), "/a");
    /// assert!(patchlaw::Pointer::root().parent().is_none());
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn parent(&self) -> Option<&Pointer> {
        self.split_last().map(|(parent, _)| parent)
    }

    /// The last token, or `None` for the root.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw::PointerBuf::parse("/a/~1")?.last(), Some("/"));
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn last(&self) -> Option<&str> {
        self.tokens.last().map(String::as_str)
    }

    /// The parent pointer and the last token, or `None` for the root.
    ///
    /// # Examples
    ///
    /// ```
    /// let ptr = patchlaw::PointerBuf::parse("/a/b")?;
    /// let (parent, last) = ptr.split_last().unwrap();
    /// assert_eq!((parent.to_string().as_str(), last), ("/a", "b"));
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn split_last(&self) -> Option<(&Pointer, &str)> {
        let (last, parent) = self.tokens.split_last()?;
        Some((Pointer::from_tokens(parent), last))
    }

    /// Whether `prefix`'s tokens are the first tokens of `self`, compared
    /// token by token (`/a` is a prefix of `/a/b` and of `/a`, not of `/ab`).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::PointerBuf;
    ///
    /// let a = PointerBuf::parse("/a")?;
    /// assert!(PointerBuf::parse("/a/b")?.starts_with(&a));
    /// assert!(!PointerBuf::parse("/ab")?.starts_with(&a));
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn starts_with(&self, prefix: &Pointer) -> bool {
        self.tokens.starts_with(&prefix.tokens)
    }

    /// Whether `self` is a proper prefix of `other`: a prefix, and shorter.
    /// This is the test that makes a JSON Patch `move` into its own child
    /// fail.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::PointerBuf;
    ///
    /// let a = PointerBuf::parse("/a")?;
    /// assert!(a.is_proper_prefix_of(&PointerBuf::parse("/a/0")?));
    /// assert!(!a.is_proper_prefix_of(&a));
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn is_proper_prefix_of(&self, other: &Pointer) -> bool {
        self.len() < other.len() && other.starts_with(self)
    }

    /// Evaluates the pointer against `doc`
    /// ([RFC 6901 §4](https://www.rfc-editor.org/rfc/rfc6901#section-4)).
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::PathNotFound`]: an object has no member of that name;
    /// - [`ErrorKind::InvalidIndex`]: a token used on an array is not a
    ///   canonical index (`-` included);
    /// - [`ErrorKind::IndexOutOfBounds`]: a canonical index past the end;
    /// - [`ErrorKind::NotAContainer`]: a token applied to a scalar.
    ///
    /// The error's [`pointer`](Error::pointer) is this pointer and its detail
    /// names the failing token and its position.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{ErrorKind, PointerBuf};
    /// use serde_json::json;
    ///
    /// let doc = json!({"a": [10, 20], "01": "member"});
    /// assert_eq!(PointerBuf::parse("/a/1")?.get(&doc)?, 20);
    /// assert_eq!(PointerBuf::parse("/01")?.get(&doc)?, "member");
    /// let err = PointerBuf::parse("/a/2")?.get(&doc).unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::IndexOutOfBounds);
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    pub fn get<'v>(&self, doc: &'v Value) -> Result<&'v Value, Error> {
        self.walk(doc, self.len())
    }

    /// Evaluates the first `count` tokens against `doc`; errors name this
    /// whole pointer and the failing token.
    pub(crate) fn walk<'v>(&self, doc: &'v Value, count: usize) -> Result<&'v Value, Error> {
        let mut current = doc;
        for (position, token) in self.tokens[..count].iter().enumerate() {
            current = match current {
                Value::Object(members) => members
                    .get(token.as_str())
                    .ok_or_else(|| self.error_at(position, Step::NoMember))?,
                Value::Array(items) => {
                    let index = array_index(token, items.len(), false)
                        .map_err(|step| self.error_at(position, step))?;
                    &items[index]
                }
                _ => return Err(self.error_at(position, Step::Scalar)),
            };
        }
        Ok(current)
    }

    /// Evaluates the pointer against `doc` for modification, with the rules
    /// and errors of [`get`](Pointer::get).
    ///
    /// # Errors
    ///
    /// As [`get`](Pointer::get).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::PointerBuf;
    /// use serde_json::json;
    ///
    /// let mut doc = json!({"a": [1, 2]});
    /// *PointerBuf::parse("/a/0")?.get_mut(&mut doc)? = json!("one");
    /// assert_eq!(doc, json!({"a": ["one", 2]}));
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    pub fn get_mut<'v>(&self, doc: &'v mut Value) -> Result<&'v mut Value, Error> {
        self.walk_mut(doc, self.len())
    }

    /// Evaluates the first `count` tokens against `doc` for modification.
    pub(crate) fn walk_mut<'v>(
        &self,
        doc: &'v mut Value,
        count: usize,
    ) -> Result<&'v mut Value, Error> {
        let mut current = doc;
        for (position, token) in self.tokens[..count].iter().enumerate() {
            current = match current {
                Value::Object(members) => members
                    .get_mut(token.as_str())
                    .ok_or_else(|| self.error_at(position, Step::NoMember))?,
                Value::Array(items) => {
                    let index = array_index(token, items.len(), false)
                        .map_err(|step| self.error_at(position, step))?;
                    &mut items[index]
                }
                _ => return Err(self.error_at(position, Step::Scalar)),
            };
        }
        Ok(current)
    }

    /// Copies the pointer into an owned [`PointerBuf`].
    ///
    /// # Examples
    ///
    /// ```
    /// let buf = patchlaw::Pointer::root().to_buf();
    /// assert!(buf.is_root());
    /// ```
    #[must_use]
    pub fn to_buf(&self) -> PointerBuf {
        PointerBuf {
            tokens: self.tokens.to_vec(),
        }
    }

    /// The error for the token at `position` failing with `step`.
    pub(crate) fn error_at(&self, position: usize, step: Step) -> Error {
        let token = &self.tokens[position];
        let (kind, why) = match step {
            Step::NoMember => (
                ErrorKind::PathNotFound,
                "the object has no such member".to_owned(),
            ),
            Step::Scalar => (
                ErrorKind::NotAContainer,
                "the value there is not an object or array".to_owned(),
            ),
            Step::NotCanonical => (
                ErrorKind::InvalidIndex,
                "an array index must be 0 or a digit string without a leading zero".to_owned(),
            ),
            Step::EndNotAllowed => (
                ErrorKind::InvalidIndex,
                "`-` (past the end) cannot be used here".to_owned(),
            ),
            Step::OutOfBounds { len } => (
                ErrorKind::IndexOutOfBounds,
                format!("the array has {len} elements"),
            ),
        };
        Error::new(kind, format!("token {} ({:?}): {why}", position + 1, token))
            .with_pointer(self.to_string())
    }
}

/// Why one token could not be evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    NoMember,
    Scalar,
    NotCanonical,
    EndNotAllowed,
    OutOfBounds { len: usize },
}

/// Reads `token` as an index into an array of `len` elements: a canonical
/// index below `len`, or with `allow_end` also `len` itself, spelled as a
/// canonical index or as `-`.
pub(crate) fn array_index(token: &str, len: usize, allow_end: bool) -> Result<usize, Step> {
    if token == "-" {
        return if allow_end {
            Ok(len)
        } else {
            Err(Step::EndNotAllowed)
        };
    }
    let bytes = token.as_bytes();
    let canonical = match bytes {
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if !canonical {
        return Err(Step::NotCanonical);
    }
    // A canonical index too large for usize is past the end of any array.
    let index = token.parse::<usize>().unwrap_or(usize::MAX);
    if index < len || (allow_end && index == len) {
        Ok(index)
    } else {
        Err(Step::OutOfBounds { len })
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for token in &self.tokens {
            f.write_str("/")?;
            f.write_str(&escape(token))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pointer({:?})", self.to_string())
    }
}

impl ToOwned for Pointer {
    type Owned = PointerBuf;

    fn to_owned(&self) -> PointerBuf {
        self.to_buf()
    }
}

impl AsRef<Pointer> for Pointer {
    fn as_ref(&self) -> &Pointer {
        self
    }
}

impl serde::Serialize for Pointer {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// An owned JSON Pointer: a vector of unescaped reference tokens.
///
/// Dereferences to [`Pointer`] for evaluation and inspection. Serializes as
/// its RFC 6901 string and deserializes from one, checking the syntax.
///
/// # Examples
///
/// ```
/// use patchlaw::PointerBuf;
/// use serde_json::json;
///
/// let mut ptr = PointerBuf::new();
/// ptr.push("metadata");
/// ptr.push("labels");
/// ptr.push("app.kubernetes.io/name");
/// assert_eq!(ptr.to_string(), "/metadata/labels/app.kubernetes.io~1name");
///
/// let doc = json!({"metadata": {"labels": {"app.kubernetes.io/name": "web"}}});
/// assert_eq!(ptr.get(&doc)?, "web");
/// assert_eq!(ptr, "/metadata/labels/app.kubernetes.io~1name".parse::<PointerBuf>()?);
/// # Ok::<(), patchlaw::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PointerBuf {
    tokens: Vec<String>,
}

impl PointerBuf {
    /// The root pointer `""`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw::PointerBuf::new().is_root());
    /// ```
    #[must_use]
    pub const fn new() -> PointerBuf {
        PointerBuf { tokens: Vec::new() }
    }

    /// Parses the JSON string representation of a pointer
    /// ([RFC 6901 §3](https://www.rfc-editor.org/rfc/rfc6901#section-3)).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidPointer`] when `s` is neither empty nor starts with
    /// `/`, or has a `~` that is not followed by `0` or `1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw::{ErrorKind, PointerBuf};
    ///
    /// assert_eq!(PointerBuf::parse("/a~01")?.tokens(), ["a~1"]);
    /// assert_eq!(PointerBuf::parse("a").unwrap_err().kind(), ErrorKind::InvalidPointer);
    /// assert_eq!(PointerBuf::parse("/~2").unwrap_err().kind(), ErrorKind::InvalidPointer);
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    pub fn parse(s: &str) -> Result<PointerBuf, Error> {
        if s.is_empty() {
            return Ok(PointerBuf::new());
        }
        let Some(rest) = s.strip_prefix('/') else {
            return Err(Error::new(
                ErrorKind::InvalidPointer,
                "a non-empty pointer must start with `/`",
            )
            .with_pointer(s));
        };
        let tokens = rest
            .split('/')
            .map(|encoded| unescape(encoded).map(Cow::into_owned))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| err.with_pointer(s))?;
        Ok(PointerBuf { tokens })
    }

    /// Parses the URI fragment identifier representation of a pointer
    /// ([RFC 6901 §6](https://www.rfc-editor.org/rfc/rfc6901#section-6)):
    /// `#` followed by the percent-encoded UTF-8 of the string form.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidPointer`] when `s` does not start with `#`, has a
    /// malformed `%` escape, does not decode to UTF-8, or decodes to an
    /// invalid pointer.
    ///
    /// # Examples
    ///
    /// ```
    /// let ptr = patchlaw::PointerBuf::parse_uri_fragment("#/c%25d/a~1b")?;
    /// assert_eq!(ptr.tokens(), ["c%d", "a/b"]);
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    pub fn parse_uri_fragment(s: &str) -> Result<PointerBuf, Error> {
        let invalid = |why: &str| Error::new(ErrorKind::InvalidPointer, why).with_pointer(s);
        let encoded = s
            .strip_prefix('#')
            .ok_or_else(|| invalid("a URI fragment pointer must start with `#`"))?;
        let mut bytes = Vec::with_capacity(encoded.len());
        let mut rest = encoded.as_bytes();
        while let Some((&byte, tail)) = rest.split_first() {
            if byte == b'%' {
                let (high, low) = match tail {
                    [high, low, ..] => (hex_digit(*high), hex_digit(*low)),
                    _ => (None, None),
                };
                let (Some(high), Some(low)) = (high, low) else {
                    return Err(invalid("`%` must be followed by two hexadecimal digits"));
                };
                bytes.push(high << 4 | low);
                rest = &tail[2..];
            } else {
                bytes.push(byte);
                rest = tail;
            }
        }
        let decoded = String::from_utf8(bytes)
            .map_err(|_| invalid("the percent-decoded fragment is not UTF-8"))?;
        PointerBuf::parse(&decoded)
    }

    /// Builds a pointer from unescaped tokens.
    ///
    /// # Examples
    ///
    /// ```
    /// let ptr = patchlaw::PointerBuf::from_tokens(["a", "0"]);
    /// assert_eq!(ptr.to_string(), "/a/0");
    /// ```
    pub fn from_tokens<T: Into<String>>(tokens: impl IntoIterator<Item = T>) -> PointerBuf {
        PointerBuf {
            tokens: tokens.into_iter().map(Into::into).collect(),
        }
    }

    /// Appends an unescaped token.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut ptr = patchlaw::PointerBuf::new();
    /// ptr.push("a/b");
    /// assert_eq!(ptr.to_string(), "/a~1b");
    /// ```
    pub fn push(&mut self, token: impl Into<String>) {
        self.tokens.push(token.into());
    }

    /// Removes and returns the last token.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut ptr = patchlaw::PointerBuf::parse("/a/b")?;
    /// assert_eq!(ptr.pop().as_deref(), Some("b"));
    /// assert_eq!(ptr.to_string(), "/a");
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    pub fn pop(&mut self) -> Option<String> {
        self.tokens.pop()
    }

    /// The borrowed form.
    ///
    /// # Examples
    ///
    /// ```
    /// let ptr = patchlaw::PointerBuf::parse("/a")?;
    /// assert_eq!(ptr.as_pointer().len(), 1);
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn as_pointer(&self) -> &Pointer {
        Pointer::from_tokens(&self.tokens)
    }

    /// The tokens, by value.
    ///
    /// # Examples
    ///
    /// ```
    /// let ptr = patchlaw::PointerBuf::parse("/a/b")?;
    /// assert_eq!(ptr.into_tokens(), ["a", "b"]);
    /// # Ok::<(), patchlaw::Error>(())
    /// ```
    #[must_use]
    pub fn into_tokens(self) -> Vec<String> {
        self.tokens
    }
}

impl Deref for PointerBuf {
    type Target = Pointer;

    fn deref(&self) -> &Pointer {
        self.as_pointer()
    }
}

impl Borrow<Pointer> for PointerBuf {
    fn borrow(&self) -> &Pointer {
        self.as_pointer()
    }
}

impl AsRef<Pointer> for PointerBuf {
    fn as_ref(&self) -> &Pointer {
        self.as_pointer()
    }
}

impl From<&Pointer> for PointerBuf {
    fn from(pointer: &Pointer) -> PointerBuf {
        pointer.to_buf()
    }
}

impl FromStr for PointerBuf {
    type Err = Error;

    fn from_str(s: &str) -> Result<PointerBuf, Error> {
        PointerBuf::parse(s)
    }
}

impl fmt::Display for PointerBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_pointer(), f)
    }
}

impl fmt::Debug for PointerBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PointerBuf({:?})", self.to_string())
    }
}

impl PartialEq<str> for PointerBuf {
    fn eq(&self, other: &str) -> bool {
        PointerBuf::parse(other).is_ok_and(|p| p == *self)
    }
}

impl PartialEq<&str> for PointerBuf {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl serde::Serialize for PointerBuf {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for PointerBuf {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<PointerBuf, D::Error> {
        let s = <Cow<'de, str>>::deserialize(deserializer)?;
        PointerBuf::parse(&s).map_err(serde::de::Error::custom)
    }
}

fn hex_digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Escapes one reference token for the string form: `~` becomes `~0` and `/`
/// becomes `~1`.
///
/// # Examples
///
/// ```
/// use patchlaw::pointer::escape;
///
/// assert_eq!(escape("a/b~c"), "a~1b~0c");
/// assert_eq!(escape("plain"), "plain");
/// ```
#[must_use]
pub fn escape(token: &str) -> Cow<'_, str> {
    if !token.contains(['~', '/']) {
        return Cow::Borrowed(token);
    }
    let mut out = String::with_capacity(token.len() + 2);
    for c in token.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Unescapes one encoded reference token: `~1` becomes `/` and `~0`
/// becomes `~`, in one left-to-right pass, so `~01` is `~1`.
///
/// # Errors
///
/// [`ErrorKind::InvalidPointer`] for a `~` not followed by `0` or `1`.
///
/// # Examples
///
/// ```
/// use patchlaw::pointer::unescape;
///
/// assert_eq!(unescape("a~1b~0c")?, "a/b~c");
/// assert_eq!(unescape("~01")?, "~1");
/// assert!(unescape("~").is_err());
/// # Ok::<(), patchlaw::Error>(())
/// ```
pub fn unescape(token: &str) -> Result<Cow<'_, str>, Error> {
    if !token.contains('~') {
        return Ok(Cow::Borrowed(token));
    }
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c != '~' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => out.push('~'),
            Some('1') => out.push('/'),
            other => {
                let after =
                    other.map_or_else(|| "the end of the token".to_owned(), |c| format!("{c:?}"));
                return Err(Error::new(
                    ErrorKind::InvalidPointer,
                    format!("`~` must be followed by `0` or `1`, not {after}, in token {token:?}"),
                ));
            }
        }
    }
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_indices() {
        assert_eq!(array_index("0", 1, false), Ok(0));
        assert_eq!(array_index("10", 11, false), Ok(10));
        assert_eq!(array_index("01", 5, false), Err(Step::NotCanonical));
        assert_eq!(array_index("+1", 5, false), Err(Step::NotCanonical));
        assert_eq!(array_index("-1", 5, false), Err(Step::NotCanonical));
        assert_eq!(array_index("", 5, false), Err(Step::NotCanonical));
        assert_eq!(array_index(" 1", 5, false), Err(Step::NotCanonical));
        assert_eq!(array_index("1e0", 5, false), Err(Step::NotCanonical));
        assert_eq!(array_index("١", 5, false), Err(Step::NotCanonical));
        assert_eq!(array_index("-", 5, false), Err(Step::EndNotAllowed));
        assert_eq!(array_index("-", 5, true), Ok(5));
        assert_eq!(array_index("5", 5, true), Ok(5));
        assert_eq!(
            array_index("5", 5, false),
            Err(Step::OutOfBounds { len: 5 })
        );
        assert_eq!(
            array_index("99999999999999999999999", 5, true),
            Err(Step::OutOfBounds { len: 5 })
        );
    }
}
