//! The level-triggered controller: a reconcile function over caches, a
//! work queue, and the writes it returns.

use std::time::Duration;

use serde_json::Value;

use super::{Activity, Backoff, Cache, Change, Consumer, Informer, Queue, Written};
use crate::error::Error;
use crate::object::{Key, Object, Revision, Selector};
use crate::store::{Patch, Store};

/// What a controller watches: its primary kind, whose keys it reconciles,
/// and the kinds it owns, whose changes queue their owner's key.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::runtime::Watches;
/// use patchlaw_reconcile::Selector;
///
/// let w = Watches::new(Selector::kind("Deployment")).owns(Selector::kind("Pod"));
/// assert_eq!(w.owned, [Selector::kind("Pod")]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watches {
    /// The kind reconciled.
    pub primary: Selector,
    /// The kinds owned.
    pub owned: Vec<Selector>,
}

impl Watches {
    /// Watches of `primary` alone.
    ///
    /// # Examples
    ///
    /// See [`Watches`].
    #[must_use]
    pub fn new(primary: Selector) -> Watches {
        Watches {
            primary,
            owned: Vec::new(),
        }
    }

    /// Also watches `owned`.
    ///
    /// # Examples
    ///
    /// See [`Watches`].
    #[must_use]
    pub fn owns(mut self, owned: Selector) -> Watches {
        self.owned.push(owned);
        self
    }
}

/// A level-triggered reconcile function: given a key and what the caches
/// hold, the writes that make the world as it should be, and when to look
/// again. It sees no event: it cannot tell why it runs, so it must compute
/// from the state alone, and a reconcile that finds nothing to do returns
/// no write.
///
/// # Examples
///
/// A controller that keeps one ConfigMap per Widget:
///
/// ```
/// use patchlaw_reconcile::runtime::{Reconcile, Reconciler, View, Watches, Write};
/// use patchlaw_reconcile::{Error, Key, Selector};
/// use serde_json::json;
///
/// struct Mirror;
/// impl Reconciler for Mirror {
///     fn watches(&self) -> Watches {
///         Watches::new(Selector::kind("Widget")).owns(Selector::kind("ConfigMap"))
///     }
///     fn reconcile(&mut self, key: &Key, view: &View<'_>) -> Result<Reconcile, Error> {
///         let child = Key::new("ConfigMap", key.namespace(), format!("{}-config", key.name()));
///         Ok(match (view.get(key), view.get(&child)) {
///             (Some(_), None) => Reconcile::done().write(Write::Create(json!({
///                 "apiVersion": "v1", "kind": "ConfigMap",
///                 "metadata": {"name": child.name(), "namespace": key.namespace(),
///                     "ownerReferences": [{"apiVersion": "example.com/v1", "kind": "Widget",
///                         "name": key.name(), "controller": true}]}}))),
///             (None, Some(c)) => Reconcile::done().write(Write::Delete(child, Some(c.resource_version()))),
///             _ => Reconcile::done(),
///         })
///     }
/// }
/// # let _ = Mirror.watches();
/// ```
pub trait Reconciler {
    /// The kinds the controller watches.
    fn watches(&self) -> Watches;

    /// The key to reconcile when an owned object changes: by default its
    /// controller owner ([`controller_owner`]).
    fn owner(&self, object: &Object) -> Option<Key> {
        controller_owner(object)
    }

    /// Reconciles `key` from the caches.
    ///
    /// # Errors
    ///
    /// Any error: the key is queued again after a backoff.
    fn reconcile(&mut self, key: &Key, view: &View<'_>) -> Result<Reconcile, Error>;
}

/// What a reconcile decided: the writes to make, in order (the first that
/// fails stops the others, and the key is queued again after a backoff),
/// and whether to look again after a while (kube-rs's `requeue`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use patchlaw_reconcile::runtime::{Reconcile, Write};
/// use patchlaw_reconcile::Key;
///
/// let r = Reconcile::done()
///     .write(Write::Delete(Key::new("Pod", "default", "web-3"), None))
///     .requeue_after(Duration::from_secs(30));
/// assert_eq!(r.writes.len(), 1);
/// assert_eq!(r.requeue_after, Some(Duration::from_secs(30)));
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reconcile {
    /// The writes.
    pub writes: Vec<Write>,
    /// Reconcile the key again after this long.
    pub requeue_after: Option<Duration>,
}

impl Reconcile {
    /// Nothing to write, nothing to look at again.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw_reconcile::runtime::Reconcile::done().writes.is_empty());
    /// ```
    #[must_use]
    pub fn done() -> Reconcile {
        Reconcile::default()
    }

    /// Adds a write.
    ///
    /// # Examples
    ///
    /// See [`Reconcile`].
    #[must_use]
    pub fn write(mut self, write: Write) -> Reconcile {
        self.writes.push(write);
        self
    }

    /// Looks again after `delay`.
    ///
    /// # Examples
    ///
    /// See [`Reconcile`].
    #[must_use]
    pub fn requeue_after(mut self, delay: Duration) -> Reconcile {
        self.requeue_after = Some(delay);
        self
    }
}

/// A write a consumer asks for.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::runtime::Write;
/// use patchlaw_reconcile::store::{MemoryStore, Patch, Store};
/// use patchlaw_reconcile::Key;
/// use serde_json::json;
///
/// let store = MemoryStore::new();
/// let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-0", "namespace": "default"}});
/// let write = Write::Patch(Key::of(&pod)?, Patch::apply_as(pod, "example.com/applied"));
/// assert_eq!(write.describe(), "apply Pod default/web-0");
/// assert_eq!(write.send(&store)?.resource_version().get(), 1);
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Write {
    /// [`Store::create`].
    Create(Value),
    /// [`Store::update`].
    Update(Value),
    /// [`Store::patch`].
    Patch(Key, Patch),
    /// [`Store::delete`], with its precondition.
    Delete(Key, Option<Revision>),
}

impl Write {
    /// Makes the write.
    ///
    /// # Errors
    ///
    /// The store's.
    ///
    /// # Examples
    ///
    /// See [`Write`].
    pub fn send(&self, store: &dyn Store) -> Result<Object, Error> {
        match self {
            Write::Create(value) => store.create(value.clone()),
            Write::Update(value) => store.update(value.clone()),
            Write::Patch(key, patch) => store.patch(key, patch),
            Write::Delete(key, precondition) => store.delete(key, *precondition),
        }
    }

    /// The write in a few words, for traces: `create Pod default/web-0`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::runtime::Write;
    /// use serde_json::json;
    ///
    /// let w = Write::Create(json!({"apiVersion": "v1", "kind": "Pod",
    ///     "metadata": {"generateName": "web-", "namespace": "default"}}));
    /// assert_eq!(w.describe(), "create Pod default/web-*");
    /// ```
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Write::Create(value) => format!("create {}", target(value)),
            Write::Update(value) => format!("update {}", target(value)),
            Write::Patch(key, patch) => format!("{} {key}", patch.name()),
            Write::Delete(key, _) => format!("delete {key}"),
        }
    }
}

/// The key of a value in a trace, or what it will be named from.
fn target(value: &Value) -> String {
    if let Ok(key) = Key::of(value) {
        return key.to_string();
    }
    let text = |path: &[&str]| {
        path.iter()
            .try_fold(value, |v, k| v.get(k))
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned()
    };
    let namespace = text(&["metadata", "namespace"]);
    format!(
        "{} {}{}*",
        text(&["kind"]),
        if namespace == "?" {
            String::new()
        } else {
            format!("{namespace}/")
        },
        text(&["metadata", "generateName"])
    )
}

/// The key of `object`'s controller: the entry of its
/// `metadata.ownerReferences` with `controller: true`, in the object's
/// namespace.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::runtime::controller_owner;
/// use patchlaw_reconcile::{Key, Object};
/// use serde_json::json;
///
/// let pod = Object::from_value(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {
///     "name": "web-0", "namespace": "default", "resourceVersion": "4",
///     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "controller": true}]}}))?;
/// assert_eq!(controller_owner(&pod), Some(Key::new("Deployment", "default", "web")));
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
#[must_use]
pub fn controller_owner(object: &Object) -> Option<Key> {
    object
        .value()
        .get("metadata")?
        .get("ownerReferences")?
        .as_array()?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
        .and_then(|r| {
            let kind = r.get("kind")?.as_str()?;
            let name = r.get("name")?.as_str()?;
            Some(Key::new(kind, object.key().namespace(), name))
        })
}

/// What a reconcile sees: the caches of the controller's informers.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::runtime::{Cache, View};
/// use patchlaw_reconcile::{Key, Object, Revision, Selector};
/// use serde_json::json;
///
/// let pod = Object::from_value(json!({"apiVersion": "v1", "kind": "Pod", "metadata": {
///     "name": "web-0", "namespace": "default", "resourceVersion": "4",
///     "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": true}]}}))?;
/// let pods = Cache::from_objects(Selector::kind("Pod"), vec![pod], Revision::new(4));
/// let view = View::new(vec![&pods]);
/// assert_eq!(view.owned_by(&Key::new("Deployment", "default", "web")).len(), 1);
/// assert_eq!(view.list(&Selector::kind("Pod")).len(), 1);
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct View<'a> {
    caches: Vec<&'a Cache>,
}

impl<'a> View<'a> {
    /// A view of `caches`.
    ///
    /// # Examples
    ///
    /// See [`View`].
    #[must_use]
    pub fn new(caches: Vec<&'a Cache>) -> View<'a> {
        View { caches }
    }

    /// The cached object at `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::runtime::View;
    /// use patchlaw_reconcile::Key;
    ///
    /// assert!(View::new(Vec::new()).get(&Key::new("Pod", "", "a")).is_none());
    /// ```
    #[must_use]
    pub fn get(&self, key: &Key) -> Option<&'a Object> {
        self.caches
            .iter()
            .filter(|c| c.selector().matches(key))
            .find_map(|c| c.get(key))
    }

    /// The cached objects `selector` selects.
    ///
    /// # Examples
    ///
    /// See [`View`].
    #[must_use]
    pub fn list(&self, selector: &Selector) -> Vec<&'a Object> {
        self.caches
            .iter()
            .flat_map(|c| c.iter())
            .filter(|o| selector.matches(o.key()))
            .collect()
    }

    /// The cached objects whose controller owner is `owner`.
    ///
    /// # Examples
    ///
    /// See [`View`].
    #[must_use]
    pub fn owned_by(&self, owner: &Key) -> Vec<&'a Object> {
        self.caches
            .iter()
            .flat_map(|c| c.iter())
            .filter(|o| controller_owner(o).as_ref() == Some(owner))
            .collect()
    }

    /// The caches.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(patchlaw_reconcile::runtime::View::new(Vec::new()).caches().is_empty());
    /// ```
    #[must_use]
    pub fn caches(&self) -> &[&'a Cache] {
        &self.caches
    }
}

/// Options of a [`Controller`]: the resync period, and the backoffs of its
/// watches and of failed keys. The defaults are client-go's: no resync,
/// watches retried from 800 ms to 30 s, keys from 5 ms to 1000 s.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use patchlaw_reconcile::runtime::ControllerOptions;
///
/// let o = ControllerOptions::new().resync(Some(Duration::from_secs(600)));
/// assert_eq!(o.get_resync(), Some(Duration::from_secs(600)));
/// assert_eq!(ControllerOptions::default().get_resync(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ControllerOptions {
    resync: Option<Duration>,
    watch_backoff: Backoff,
    retry_backoff: Backoff,
}

impl ControllerOptions {
    /// client-go's defaults.
    ///
    /// # Examples
    ///
    /// See [`ControllerOptions`].
    #[must_use]
    pub const fn new() -> ControllerOptions {
        ControllerOptions {
            resync: None,
            watch_backoff: Backoff::new(Duration::from_millis(800), Duration::from_secs(30)),
            retry_backoff: Backoff::new(Duration::from_millis(5), Duration::from_secs(1000)),
        }
    }

    /// Queue every key this often (`None`: never).
    ///
    /// # Examples
    ///
    /// See [`ControllerOptions`].
    #[must_use]
    pub const fn resync(self, period: Option<Duration>) -> ControllerOptions {
        ControllerOptions {
            resync: period,
            ..self
        }
    }

    /// The backoff of the informers' reflectors.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, ControllerOptions};
    ///
    /// let b = Backoff::new(Duration::from_secs(1), Duration::from_secs(4));
    /// assert_eq!(ControllerOptions::new().watch_backoff(b).get_watch_backoff(), b);
    /// ```
    #[must_use]
    pub const fn watch_backoff(self, backoff: Backoff) -> ControllerOptions {
        ControllerOptions {
            watch_backoff: backoff,
            ..self
        }
    }

    /// The backoff of failed keys.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, ControllerOptions};
    ///
    /// let b = Backoff::new(Duration::from_secs(1), Duration::from_secs(4));
    /// assert_eq!(ControllerOptions::new().retry_backoff(b).get_retry_backoff(), b);
    /// ```
    #[must_use]
    pub const fn retry_backoff(self, backoff: Backoff) -> ControllerOptions {
        ControllerOptions {
            retry_backoff: backoff,
            ..self
        }
    }

    /// See [`ControllerOptions::resync`].
    ///
    /// # Examples
    ///
    /// See [`ControllerOptions`].
    #[must_use]
    pub const fn get_resync(&self) -> Option<Duration> {
        self.resync
    }

    /// See [`ControllerOptions::watch_backoff`].
    ///
    /// # Examples
    ///
    /// See [`ControllerOptions::watch_backoff`].
    #[must_use]
    pub const fn get_watch_backoff(&self) -> Backoff {
        self.watch_backoff
    }

    /// See [`ControllerOptions::retry_backoff`].
    ///
    /// # Examples
    ///
    /// See [`ControllerOptions::retry_backoff`].
    #[must_use]
    pub const fn get_retry_backoff(&self) -> Backoff {
        self.retry_backoff
    }
}

impl Default for ControllerOptions {
    fn default() -> ControllerOptions {
        ControllerOptions::new()
    }
}

/// A level-triggered controller: an informer per watched kind, a work
/// queue of keys, and a [`Reconciler`]. Each [`step`](Consumer::step)
/// polls the informers (each change queues its key, or its owner's),
/// waits until every cache has synced, queues every key when a resync is
/// due, then reconciles the keys that are ready, one at a time, and makes
/// the writes each returns.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use patchlaw_reconcile::runtime::{Consumer, Controller, ControllerOptions, Reconcile, Reconciler, View, Watches, Write};
/// use patchlaw_reconcile::store::{MemoryStore, Patch, ReadAt, Store};
/// use patchlaw_reconcile::{Error, Key, Selector};
/// use serde_json::json;
///
/// /// Labels every ConfigMap `checked: "yes"`.
/// struct Labeler;
/// impl Reconciler for Labeler {
///     fn watches(&self) -> Watches { Watches::new(Selector::kind("ConfigMap")) }
///     fn reconcile(&mut self, key: &Key, view: &View<'_>) -> Result<Reconcile, Error> {
///         Ok(match view.get(key) {
///             Some(cm) if cm.value()["metadata"]["labels"]["checked"] != "yes" => Reconcile::done()
///                 .write(Write::Patch(key.clone(), Patch::Merge(json!({"metadata": {"labels": {"checked": "yes"}}})))),
///             _ => Reconcile::done(),
///         })
///     }
/// }
///
/// let store = MemoryStore::new();
/// let cm = store.create(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}))?;
/// let mut controller = Controller::new(Labeler, ControllerOptions::new());
/// controller.step(&store, Duration::ZERO, &mut |_| {});
/// let labeled = store.get(cm.key(), ReadAt::Latest)?.unwrap();
/// assert_eq!(labeled.value()["metadata"]["labels"]["checked"], "yes");
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
pub struct Controller<R> {
    reconciler: R,
    informers: Vec<Informer>,
    queue: Queue<Key>,
    options: ControllerOptions,
    next_resync: Option<Duration>,
}

impl<R: Reconciler> Controller<R> {
    /// A controller running `reconciler`, with an informer for each kind
    /// it watches.
    ///
    /// # Examples
    ///
    /// See [`Controller`].
    #[must_use]
    pub fn new(reconciler: R, options: ControllerOptions) -> Controller<R> {
        let watches = reconciler.watches();
        let informers = std::iter::once(watches.primary)
            .chain(watches.owned)
            .map(|selector| Informer::new(selector, options.get_watch_backoff()))
            .collect();
        Controller {
            reconciler,
            informers,
            queue: Queue::new(options.get_retry_backoff()),
            options,
            next_resync: None,
        }
    }

    /// The reconciler.
    ///
    /// # Examples
    ///
    /// ```
    /// # use patchlaw_reconcile::runtime::{Controller, ControllerOptions, Reconcile, Reconciler, View, Watches};
    /// # use patchlaw_reconcile::{Error, Key, Selector};
    /// # struct Noop;
    /// # impl Reconciler for Noop {
    /// #     fn watches(&self) -> Watches { Watches::new(Selector::kind("Pod")) }
    /// #     fn reconcile(&mut self, _: &Key, _: &View<'_>) -> Result<Reconcile, Error> { Ok(Reconcile::done()) }
    /// # }
    /// let controller = Controller::new(Noop, ControllerOptions::new());
    /// assert_eq!(controller.reconciler().watches().primary, Selector::kind("Pod"));
    /// ```
    #[must_use]
    pub fn reconciler(&self) -> &R {
        &self.reconciler
    }

    /// The reconciler, to change.
    ///
    /// # Examples
    ///
    /// ```
    /// # use patchlaw_reconcile::runtime::{Controller, ControllerOptions, Reconcile, Reconciler, View, Watches};
    /// # use patchlaw_reconcile::{Error, Key, Selector};
    /// struct Counting(u32);
    /// # impl Reconciler for Counting {
    /// #     fn watches(&self) -> Watches { Watches::new(Selector::kind("Pod")) }
    /// #     fn reconcile(&mut self, _: &Key, _: &View<'_>) -> Result<Reconcile, Error> { self.0 += 1; Ok(Reconcile::done()) }
    /// # }
    /// let mut controller = Controller::new(Counting(0), ControllerOptions::new());
    /// controller.reconciler_mut().0 = 5;
    /// assert_eq!(controller.reconciler().0, 5);
    /// ```
    pub fn reconciler_mut(&mut self) -> &mut R {
        &mut self.reconciler
    }

    /// The work queue.
    ///
    /// # Examples
    ///
    /// ```
    /// # use patchlaw_reconcile::runtime::{Controller, ControllerOptions, Reconcile, Reconciler, View, Watches};
    /// # use patchlaw_reconcile::{Error, Key, Selector};
    /// # struct Noop;
    /// # impl Reconciler for Noop {
    /// #     fn watches(&self) -> Watches { Watches::new(Selector::kind("Pod")) }
    /// #     fn reconcile(&mut self, _: &Key, _: &View<'_>) -> Result<Reconcile, Error> { Ok(Reconcile::done()) }
    /// # }
    /// assert!(Controller::new(Noop, ControllerOptions::new()).queue().is_empty());
    /// ```
    #[must_use]
    pub fn queue(&self) -> &Queue<Key> {
        &self.queue
    }

    /// What a reconcile would see now.
    ///
    /// # Examples
    ///
    /// ```
    /// # use patchlaw_reconcile::runtime::{Controller, ControllerOptions, Reconcile, Reconciler, View, Watches};
    /// # use patchlaw_reconcile::{Error, Key, Selector};
    /// # struct Noop;
    /// # impl Reconciler for Noop {
    /// #     fn watches(&self) -> Watches { Watches::new(Selector::kind("Pod")) }
    /// #     fn reconcile(&mut self, _: &Key, _: &View<'_>) -> Result<Reconcile, Error> { Ok(Reconcile::done()) }
    /// # }
    /// assert_eq!(Controller::new(Noop, ControllerOptions::new()).view().caches().len(), 1);
    /// ```
    #[must_use]
    pub fn view(&self) -> View<'_> {
        View::new(self.informers.iter().map(Informer::cache).collect())
    }
}

impl<R: Reconciler> Consumer for Controller<R> {
    fn step(&mut self, store: &dyn Store, now: Duration, log: &mut dyn FnMut(Activity)) {
        let Controller {
            reconciler,
            informers,
            queue,
            options,
            next_resync,
        } = self;
        for (index, informer) in informers.iter_mut().enumerate() {
            informer.poll(
                store,
                now,
                &mut |change| enqueue(&*reconciler, queue, index, &change),
                log,
            );
        }
        if !informers.iter().all(|i| i.cache().has_synced()) {
            return;
        }
        if let Some(period) = options.get_resync() {
            let due = *next_resync.get_or_insert(now + period);
            if now >= due {
                let mut keys = 0;
                for (index, informer) in informers.iter().enumerate() {
                    informer.resync(&mut |change| {
                        keys += 1;
                        enqueue(&*reconciler, queue, index, &change);
                    });
                }
                log(Activity::Resynced { keys });
                *next_resync = Some(now + period);
            }
        }
        // The keys ready now; those queued by this step's writes wait for
        // the next step, as they wait for their events.
        queue.advance(now);
        for _ in 0..queue.len() {
            let Some(key) = queue.pop(now) else { break };
            let view = View::new(informers.iter().map(Informer::cache).collect());
            let (writes, outcome, requeue) = match reconciler.reconcile(&key, &view) {
                Ok(reconcile) => {
                    let (writes, outcome) = send_all(store, reconcile.writes, true);
                    (writes, outcome, reconcile.requeue_after)
                }
                Err(err) => (Vec::new(), Err(err.kind()), None),
            };
            match outcome {
                Ok(()) => {
                    queue.forget(&key);
                    if let Some(delay) = requeue {
                        queue.add_after(key.clone(), delay, now);
                    }
                }
                Err(_) => queue.add_rate_limited(key.clone(), now),
            }
            queue.done(&key);
            log(Activity::Reconciled {
                key,
                writes,
                outcome,
            });
        }
    }

    fn informers(&self) -> &[Informer] {
        &self.informers
    }
}

/// Queues the key a change of the informer `index` concerns: the object's
/// own for the primary kind, its owner's (before and after) for the others.
fn enqueue<R: Reconciler>(reconciler: &R, queue: &mut Queue<Key>, index: usize, change: &Change) {
    if index == 0 {
        queue.add(change.key.clone());
        return;
    }
    let owners = [&change.old, &change.new]
        .into_iter()
        .flatten()
        .filter_map(|o| reconciler.owner(o));
    for owner in owners {
        queue.add(owner);
    }
}

/// Makes `writes` in order; with `stop_at_failure`, the first failure
/// stops them. Returns what was written and the first failure.
pub(crate) fn send_all(
    store: &dyn Store,
    writes: Vec<Write>,
    stop_at_failure: bool,
) -> (Vec<Written>, Result<(), crate::ErrorKind>) {
    let mut written = Vec::with_capacity(writes.len());
    let mut outcome = Ok(());
    for write in writes {
        let result = write
            .send(store)
            .map(|o| o.resource_version())
            .map_err(|e| e.kind());
        let failed = result.err();
        written.push(Written {
            action: write.describe(),
            result,
        });
        if let Some(kind) = failed {
            if outcome.is_ok() {
                outcome = Err(kind);
            }
            if stop_at_failure {
                break;
            }
        }
    }
    (written, outcome)
}
