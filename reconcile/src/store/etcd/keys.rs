//! Where objects live in etcd: the API server's key layout, with its rule
//! for naming resources.

use crate::error::{Error, ErrorKind};
use crate::object::{Key, Selector};

/// The layout of keys under a prefix (`/registry` by default, as the API
/// server's `--etcd-prefix`): `<prefix>/<resource>/<namespace>/<name>` for a
/// namespaced object, `<prefix>/<resource>/<name>` for a cluster-scoped one.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    prefix: String,
}

impl Layout {
    pub(crate) fn new(prefix: &str) -> Layout {
        Layout {
            prefix: prefix.trim_end_matches('/').to_owned(),
        }
    }

    /// The etcd key of an object; `invalid` for a kind, namespace or name
    /// with a `/`, which would make two keys one (Kubernetes' names have
    /// none).
    pub(crate) fn key(&self, key: &Key) -> Result<String, Error> {
        for (what, part) in [
            ("kind", key.kind()),
            ("namespace", key.namespace()),
            ("name", key.name()),
        ] {
            if part.contains('/') {
                return Err(Error::new(
                    ErrorKind::Invalid,
                    format!("the {what} {part:?} has a '/', which the store on etcd refuses"),
                )
                .with_key(key));
            }
        }
        let resource = resource(key.kind());
        Ok(if key.namespace().is_empty() {
            format!("{}/{resource}/{}", self.prefix, key.name())
        } else {
            format!(
                "{}/{resource}/{}/{}",
                self.prefix,
                key.namespace(),
                key.name()
            )
        })
    }

    /// The etcd key prefix that holds every object `selector` may select
    /// (the store filters what it reads with the selector itself).
    pub(crate) fn range(&self, selector: &Selector) -> String {
        match (selector.get_kind(), selector.get_namespace()) {
            (None, _) => format!("{}/", self.prefix),
            (Some(kind), None) => format!("{}/{}/", self.prefix, resource(kind)),
            (Some(kind), Some(namespace)) => {
                format!("{}/{}/{namespace}/", self.prefix, resource(kind))
            }
        }
    }

    /// A key under the prefix that no object can have (names have no
    /// `/`): for requests that only want the store's revision.
    pub(crate) fn probe(&self) -> String {
        format!("{}/.patchlaw/revision", self.prefix)
    }
}

/// A kind's resource name: lower case and plural, by the rule the API
/// machinery uses when no REST mapping says otherwise
/// (`UnsafeGuessKindToResource`): `…s` → `…ses`, `…y` → `…ies`, else `…s`.
/// (The API server itself keeps a few built-in kinds elsewhere — Nodes
/// under `minions`, Services under `services/specs` — and custom resources
/// under their group.)
fn resource(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if lower.ends_with('s') {
        format!("{lower}es")
    } else if let Some(stem) = lower.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{lower}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_layout() {
        let layout = Layout::new("/registry/");
        let key = |kind, namespace, name| layout.key(&Key::new(kind, namespace, name)).unwrap();
        assert_eq!(
            key("Deployment", "default", "web"),
            "/registry/deployments/default/web"
        );
        assert_eq!(
            key("Namespace", "", "default"),
            "/registry/namespaces/default"
        );
        assert_eq!(key("Ingress", "a", "b"), "/registry/ingresses/a/b");
        assert_eq!(
            key("NetworkPolicy", "a", "b"),
            "/registry/networkpolicies/a/b"
        );
        // A '/' would make the cluster-scoped "x/a" the namespaced x/a.
        let err = layout.key(&Key::new("Pod", "", "x/a")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Invalid);
        assert!(layout.key(&Key::new("Pod", "x/", "a")).is_err());
        assert_eq!(layout.range(&Selector::all()), "/registry/");
        assert_eq!(layout.range(&Selector::kind("Pod")), "/registry/pods/");
        assert_eq!(
            layout.range(&Selector::kind("Pod").namespace("kube-system")),
            "/registry/pods/kube-system/"
        );
        assert!(!layout
            .probe()
            .starts_with(&layout.range(&Selector::kind("Pod"))));
    }
}
