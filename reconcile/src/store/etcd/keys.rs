//! Where objects live in etcd: Kubernetes' key layout.

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

    /// The etcd key of an object.
    pub(crate) fn key(&self, key: &Key) -> String {
        let resource = resource(key.kind());
        if key.namespace().is_empty() {
            format!("{}/{resource}/{}", self.prefix, key.name())
        } else {
            format!(
                "{}/{resource}/{}/{}",
                self.prefix,
                key.namespace(),
                key.name()
            )
        }
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
        assert_eq!(
            layout.key(&Key::new("Deployment", "default", "web")),
            "/registry/deployments/default/web"
        );
        assert_eq!(
            layout.key(&Key::new("Namespace", "", "default")),
            "/registry/namespaces/default"
        );
        assert_eq!(
            layout.key(&Key::new("Ingress", "a", "b")),
            "/registry/ingresses/a/b"
        );
        assert_eq!(
            layout.key(&Key::new("NetworkPolicy", "a", "b")),
            "/registry/networkpolicies/a/b"
        );
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
