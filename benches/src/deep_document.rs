//! The deeply nested document.

use serde_json::{json, Map, Value};

/// Objects nested `depth` levels deep: each level is
/// `{"level": i, "name": "node-i", "child": {…}}`, and the innermost object
/// (level `depth - 1`) has no `child`. `depth` 0 gives `null`.
///
/// The depth is that of [`Limits`](patchlaw::Limits): the number of nested
/// containers. Values this shallow are safe for serde_json's recursive
/// `Drop`, `Clone` and `==`.
///
/// # Examples
///
/// ```
/// let doc = patchlaw_benches::deep_document(3);
/// assert_eq!(doc["child"]["child"]["level"], 2);
/// assert!(doc["child"]["child"].get("child").is_none());
/// ```
#[must_use]
pub fn deep_document(depth: usize) -> Value {
    let mut doc = Value::Null;
    for level in (0..depth).rev() {
        let mut node = Map::new();
        node.insert("level".to_owned(), json!(level));
        node.insert("name".to_owned(), json!(format!("node-{level}")));
        if !doc.is_null() {
            node.insert("child".to_owned(), doc);
        }
        doc = Value::Object(node);
    }
    doc
}
