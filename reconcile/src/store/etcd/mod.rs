//! The store over etcd's v3 API: [`EtcdStore`], the same [`Store`] as the
//! in-memory one, on the database Kubernetes keeps its state in.
//!
//! The mapping is the API server's:
//! - an object is its JSON (without `metadata.resourceVersion`) under
//!   `<prefix>/<resource>/<namespace>/<name>`, or `<prefix>/<resource>/<name>`
//!   for a cluster-scoped one, where the resource is the kind in lower case
//!   and plural by the API machinery's rule (`Deployment` → `deployments`,
//!   `Ingress` → `ingresses`, `NetworkPolicy` → `networkpolicies`; the API
//!   server itself keeps a few built-in kinds elsewhere, such as Nodes under
//!   `minions`) and the prefix is `/registry` unless [`EtcdOptions::prefix`]
//!   says otherwise; a kind, namespace or name with a `/` is `invalid`;
//! - its `resourceVersion` is the key's mod revision, and the store's
//!   revision is etcd's (shared by every key of the cluster, as Kubernetes'
//!   resource versions are): a store over a fresh etcd starts at revision 1,
//!   not 0;
//! - a read at a revision is a range read at that revision; a list is read
//!   in pages, each at the revision of the first;
//! - a write is a transaction that compares the key's mod revision with the
//!   one the write was computed from (a create: that the key does not
//!   exist). A failed compare is `conflict` when the caller named a
//!   `resourceVersion`; otherwise the store reads the object again and
//!   recomputes, as the API server does for patches;
//! - a watch from revision `r` is an etcd watch from `r + 1` over the
//!   selector's key prefix, with previous values (a deletion reports the
//!   object's last state); a watch whose start etcd has compacted away is
//!   cancelled by etcd, and reported as `gone`;
//! - a bookmark is etcd's progress notification. Before 3.4.25 etcd answers
//!   a progress request at once, possibly ahead of events queued for the
//!   stream: the watch asks twice and bookmarks the revision of the first
//!   answer when the second has come back, and only once it has received
//!   the events of every write made through the same store handle up to
//!   that revision. For those writes the bookmark is exact; for writes of
//!   other clients it is as good as etcd's ordering of the two answers
//!   (`spec/60-reconcile.md`, D6.16);
//! - a watch from a revision below the store's returns once etcd has sent
//!   it the past changes of the writes made through the same store handle
//!   (when there are none, once etcd's loop that sends past changes has had
//!   time to run, 300 ms), and is `gone` if a compaction came first;
//! - [`Store::compact`] is etcd's compaction, in effect when etcd answers
//!   (the old revisions leave its database in the background), and etcd's
//!   "required revision has been compacted" is `gone`.
//!
//! The methods block: call them from a thread of your own, not from a task
//! of an async runtime (in tokio, through `spawn_blocking`; called from a
//! runtime's task they panic, as tokio refuses to block there). A request
//! that cannot reach a member is sent again, to another member, until
//! [`EtcdOptions::request_timeout`]; a request that gets no answer in that
//! time, or fails in transport, is [`ErrorKind::Unavailable`]: the outcome
//! of such a write is unknown, and a reader of the object learns it. A
//! request etcd refuses as it is (too many operations in a transaction, too
//! large, no permission) is [`ErrorKind::Invalid`]. A write whose compare
//! fails under each of 32 attempts (others writing the object all along) is
//! [`ErrorKind::Conflict`].

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use etcd_client::{
    Client, CompactionOptions, Compare, CompareOp, ConnectOptions, DeleteOptions, GetOptions,
    GetResponse, Txn, TxnOp, TxnResponse,
};
use serde_json::Value;

use super::write::{self, check_precondition, Planned};
use super::{List, Patch, ReadAt, Store, Watch};
use crate::error::{Error, ErrorKind};
use crate::object::{resource_version_of, set_resource_version, Key, Object, Revision, Selector};

mod keys;
pub mod server;
mod watch;

use keys::Layout;
use watch::{EtcdWatch, Writes};

/// How an [`EtcdStore`] connects and lays out its keys.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use patchlaw_reconcile::store::etcd::EtcdOptions;
///
/// let options = EtcdOptions::new().prefix("/tests/run-1").request_timeout(Duration::from_secs(2));
/// assert_eq!(options.get_prefix(), "/tests/run-1");
/// ```
#[derive(Clone, Debug)]
pub struct EtcdOptions {
    prefix: String,
    request_timeout: Duration,
    connect_timeout: Duration,
    page_size: u32,
    retries: u32,
}

impl Default for EtcdOptions {
    fn default() -> EtcdOptions {
        EtcdOptions {
            prefix: "/registry".to_owned(),
            request_timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(5),
            page_size: 500,
            retries: 32,
        }
    }
}

impl EtcdOptions {
    /// The defaults: prefix `/registry`, connecting and each request time
    /// out after 5 s, lists read 500 objects a page.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::store::etcd::EtcdOptions::new().get_prefix(), "/registry");
    /// ```
    #[must_use]
    pub fn new() -> EtcdOptions {
        EtcdOptions::default()
    }

    /// The key prefix under which the store keeps its objects (the API
    /// server's `--etcd-prefix`). Stores with different prefixes share the
    /// etcd cluster and its revisions, and see nothing of each other's
    /// objects.
    ///
    /// # Examples
    ///
    /// See [`EtcdOptions`].
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> EtcdOptions {
        self.prefix = prefix.into();
        self
    }

    /// See [`EtcdOptions::prefix`].
    ///
    /// # Examples
    ///
    /// See [`EtcdOptions`].
    #[must_use]
    pub fn get_prefix(&self) -> &str {
        &self.prefix
    }

    /// How long a request may take before it is
    /// [`Unavailable`](ErrorKind::Unavailable).
    ///
    /// # Examples
    ///
    /// See [`EtcdOptions`].
    #[must_use]
    pub fn request_timeout(mut self, timeout: Duration) -> EtcdOptions {
        self.request_timeout = timeout;
        self
    }

    /// How long connecting may take.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let o = patchlaw_reconcile::store::etcd::EtcdOptions::new().connect_timeout(Duration::from_secs(1));
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> EtcdOptions {
        self.connect_timeout = timeout;
        self
    }

    /// How many objects a list reads per request (at least 1).
    ///
    /// # Examples
    ///
    /// ```
    /// let o = patchlaw_reconcile::store::etcd::EtcdOptions::new().page_size(1000);
    /// # let _ = o;
    /// ```
    #[must_use]
    pub fn page_size(mut self, objects: u32) -> EtcdOptions {
        self.page_size = objects.max(1);
        self
    }
}

/// A [`Store`] over an etcd cluster (see the [module](self) docs for the
/// mapping). Clones are handles to the same connection.
///
/// # Examples
///
/// ```no_run
/// use patchlaw_reconcile::store::etcd::{EtcdOptions, EtcdStore};
/// use patchlaw_reconcile::store::{Patch, ReadAt, Store};
/// use patchlaw_reconcile::Key;
/// use serde_json::json;
///
/// let store = EtcdStore::connect(&["http://127.0.0.1:2379"], EtcdOptions::new())?;
/// let web = json!({"apiVersion": "apps/v1", "kind": "Deployment",
///     "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 1}});
/// let key = Key::of(&web)?;
/// store.patch(&key, &Patch::apply(web))?;
/// let live = store.get(&key, ReadAt::Latest)?.unwrap();
/// assert_eq!(live.value()["spec"]["replicas"], 1);
/// # Ok::<(), patchlaw_reconcile::Error>(())
/// ```
#[derive(Clone)]
pub struct EtcdStore {
    inner: Arc<Inner>,
}

struct Inner {
    runtime: tokio::runtime::Runtime,
    client: Client,
    layout: Layout,
    options: EtcdOptions,
    endpoints: Vec<String>,
    /// The writes made through this handle, for watches to catch up with.
    writes: Arc<Writes>,
    /// Numbers for generated names and uids.
    random: RandomState,
    counter: AtomicU64,
}

impl std::fmt::Debug for EtcdStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdStore")
            .field("endpoints", &self.inner.endpoints)
            .field("prefix", &self.inner.options.prefix)
            .finish_non_exhaustive()
    }
}

impl EtcdStore {
    /// Connects to the etcd cluster whose client URLs are `endpoints`
    /// (requests are balanced over them, and move to another when one
    /// fails).
    ///
    /// # Errors
    ///
    /// [`Unavailable`](ErrorKind::Unavailable) when no endpoint answers
    /// within the connect timeout; [`Invalid`](ErrorKind::Invalid) for a
    /// URL that does not parse.
    ///
    /// # Examples
    ///
    /// See [`EtcdStore`].
    pub fn connect<E: AsRef<str>>(
        endpoints: &[E],
        options: EtcdOptions,
    ) -> Result<EtcdStore, Error> {
        let endpoints: Vec<String> = endpoints.iter().map(|e| e.as_ref().to_owned()).collect();
        if endpoints.is_empty() {
            return Err(Error::new(ErrorKind::Invalid, "no etcd endpoint given"));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("patchlaw-etcd")
            .enable_all()
            .build()
            .map_err(|e| {
                Error::new(
                    ErrorKind::Unavailable,
                    format!("cannot start the etcd client's runtime: {e}"),
                )
            })?;
        let connect = ConnectOptions::new()
            .with_connect_timeout(options.connect_timeout)
            .with_timeout(options.request_timeout)
            // etcd refuses pings more often than every 5 s
            // (`--grpc-keepalive-min-time`) and closes the connection.
            .with_keep_alive(Duration::from_secs(10), Duration::from_secs(5));
        let client = runtime
            .block_on(async {
                tokio::time::timeout(
                    options.connect_timeout,
                    Client::connect(endpoints.clone(), Some(connect)),
                )
                .await
            })
            .map_err(|_| unavailable(&endpoints, "no answer"))?
            .map_err(|e| match e {
                etcd_client::Error::InvalidUri(e) => Error::new(
                    ErrorKind::Invalid,
                    format!("an etcd endpoint is not a URL: {e}"),
                ),
                e => unavailable(&endpoints, e),
            })?;
        let store = EtcdStore {
            inner: Arc::new(Inner {
                runtime,
                client,
                layout: Layout::new(&options.prefix),
                options,
                endpoints,
                writes: Arc::new(Writes::default()),
                random: RandomState::new(),
                counter: AtomicU64::new(0),
            }),
        };
        // A first request, so that an unreachable cluster fails here.
        store.revision()?;
        Ok(store)
    }

    /// The client URLs the store was connected to.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::{EtcdOptions, EtcdStore};
    ///
    /// let store = EtcdStore::connect(&["http://127.0.0.1:2379"], EtcdOptions::new())?;
    /// assert_eq!(store.endpoints(), ["http://127.0.0.1:2379"]);
    /// # Ok::<(), patchlaw_reconcile::Error>(())
    /// ```
    #[must_use]
    pub fn endpoints(&self) -> &[String] {
        &self.inner.endpoints
    }

    /// The options the store was connected with.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::{EtcdOptions, EtcdStore};
    ///
    /// let store = EtcdStore::connect(&["http://127.0.0.1:2379"], EtcdOptions::new().prefix("/t"))?;
    /// assert_eq!(store.options().get_prefix(), "/t");
    /// # Ok::<(), patchlaw_reconcile::Error>(())
    /// ```
    #[must_use]
    pub fn options(&self) -> &EtcdOptions {
        &self.inner.options
    }

    /// Creates every object of `objects` in one transaction, all or none: the
    /// batched write (what a bulk import does).
    ///
    /// # Errors
    ///
    /// As [`Store::create`]; [`AlreadyExists`](ErrorKind::AlreadyExists)
    /// when any key holds an object, and then nothing is written;
    /// [`Invalid`](ErrorKind::Invalid) for more objects than etcd takes in
    /// one transaction (128 unless its `--max-txn-ops` says otherwise) or
    /// more bytes than it takes in one request (`--max-request-bytes`,
    /// 1.5 MiB by default).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::{EtcdOptions, EtcdStore};
    /// use serde_json::json;
    ///
    /// let store = EtcdStore::connect(&["http://127.0.0.1:2379"], EtcdOptions::new())?;
    /// let pods = (0..100).map(|i| json!({"apiVersion": "v1", "kind": "Pod",
    ///     "metadata": {"name": format!("p{i}"), "namespace": "default"}})).collect();
    /// let created = store.create_all(pods)?;
    /// assert_eq!(created.len(), 100);
    /// # Ok::<(), patchlaw_reconcile::Error>(())
    /// ```
    pub fn create_all(&self, objects: Vec<Value>) -> Result<Vec<Object>, Error> {
        let mut prepared = Vec::with_capacity(objects.len());
        for object in objects {
            prepared.push(self.prepare_create(object)?);
        }
        let mut compares = Vec::with_capacity(prepared.len());
        let mut puts = Vec::with_capacity(prepared.len());
        for (key, _, bytes) in &prepared {
            let etcd_key = self.inner.layout.key(key)?;
            compares.push(Compare::create_revision(
                etcd_key.clone(),
                CompareOp::Equal,
                0,
            ));
            puts.push(TxnOp::put(etcd_key, bytes.clone(), None));
        }
        let response = self.kv_txn(Txn::new().when(compares).and_then(puts))?;
        if !response.succeeded() {
            return Err(Error::new(
                ErrorKind::AlreadyExists,
                "one of the objects exists already: nothing was created",
            ));
        }
        let revision = header_revision(response.header());
        Ok(prepared
            .into_iter()
            .map(|(key, mut value, _)| {
                self.inner.writes.record(&key, revision);
                set_resource_version(&mut value, revision);
                Object::new(key, revision, value)
            })
            .collect())
    }

    /// A range request.
    fn kv_get(&self, key: impl Into<Vec<u8>>, options: GetOptions) -> Result<GetResponse, Error> {
        let key = key.into();
        self.call(true, |mut client| {
            let (key, options) = (key.clone(), options.clone());
            async move { client.get(key, Some(options)).await }
        })
    }

    /// A transaction.
    fn kv_txn(&self, txn: Txn) -> Result<TxnResponse, Error> {
        self.call(false, |mut client| {
            let txn = txn.clone();
            async move { client.txn(txn).await }
        })
    }

    /// A compaction.
    fn kv_compact(&self, revision: i64, options: CompactionOptions) -> Result<(), Error> {
        self.call(false, |mut client| {
            let options = options.clone();
            async move { client.compact(revision, Some(options)).await.map(drop) }
        })
    }

    /// Runs a request on the store's runtime, within the request timeout.
    ///
    /// A request that could not reach a member (its connection refused: a
    /// member down) is sent again, to another member as the client balances
    /// them, until the timeout: nothing was sent, so nothing is done twice. A
    /// read is also sent again after a member's "unavailable" answer (no
    /// leader yet, during an election); a write is not, as it may have been
    /// made.
    fn call<T, F, Fut>(&self, read: bool, request: F) -> Result<T, Error>
    where
        F: Fn(Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, etcd_client::Error>>,
    {
        self.send(read, request)?.map_err(|e| self.error(e))
    }

    /// [`EtcdStore::call`], with etcd's error as it is.
    fn send<T, F, Fut>(
        &self,
        read: bool,
        request: F,
    ) -> Result<Result<T, etcd_client::Error>, Error>
    where
        F: Fn(Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, etcd_client::Error>>,
    {
        let timeout = self.inner.options.request_timeout;
        let last = std::cell::RefCell::new(None);
        self.inner
            .runtime
            .block_on(async {
                tokio::time::timeout(timeout, async {
                    loop {
                        match request(self.inner.client.clone()).await {
                            Err(e) if not_sent(&e) || (read && unavailable_status(&e)) => {
                                *last.borrow_mut() = Some(e.to_string());
                                tokio::time::sleep(Duration::from_millis(20)).await;
                            }
                            answer => return answer,
                        }
                    }
                })
                .await
            })
            .map_err(|_| {
                let why = match last.take() {
                    Some(error) => format!("no answer within {timeout:?}; last: {error}"),
                    None => format!("no answer within {timeout:?}"),
                };
                unavailable(&self.inner.endpoints, why)
            })
    }

    /// The store's error for an etcd error.
    fn error(&self, error: etcd_client::Error) -> Error {
        let text = error.to_string();
        if text.contains("required revision has been compacted") {
            return match self.compacted() {
                Ok(compacted) => write::gone(compacted),
                Err(_) => Error::new(ErrorKind::Gone, "the revision has been compacted away"),
            };
        }
        if text.contains("required revision is a future revision") {
            let mut err = Error::new(ErrorKind::FutureRevision, "the revision is not reached yet");
            if let Ok(revision) = self.revision() {
                err = err.with_revision(revision);
            }
            return err;
        }
        match &error {
            // etcd refuses the request itself (too many operations in a
            // transaction, a request too large, no permission): sending it
            // again cannot help.
            etcd_client::Error::GRpcStatus(status) if REFUSED.contains(&(status.code() as i32)) => {
                Error::new(
                    ErrorKind::Invalid,
                    format!("etcd refuses the request: {}", status.message()),
                )
            }
            _ => unavailable(&self.inner.endpoints, error),
        }
    }

    /// Reads the live object at `key` and its etcd key.
    fn live(&self, key: &Key) -> Result<Object, Error> {
        self.get(key, ReadAt::Latest)?
            .ok_or_else(|| Error::new(ErrorKind::NotFound, "").with_key(key))
    }

    /// A value ready to create: checked, named, given a uid; its key and
    /// bytes.
    fn prepare_create(&self, mut object: Value) -> Result<(Key, Value, Vec<u8>), Error> {
        write::check_new(&object)?;
        write::generate_name(&mut object, || self.random(), |_| Ok(false))?;
        let key = Key::of(&object)?;
        let uid = format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            self.random() as u32,
            self.random() as u16,
            self.random() & 0xfff,
            self.random() & 0xfff,
            self.random() & 0xffff_ffff_ffff
        );
        write::set_uid(&mut object, uid);
        let bytes = stored_bytes(&mut object)?;
        Ok((key, object, bytes))
    }

    fn random(&self) -> u64 {
        let mut hasher = self.inner.random.build_hasher();
        hasher.write_u64(self.inner.counter.fetch_add(1, Ordering::Relaxed));
        hasher.finish()
    }

    /// Writes `value` over `current` if the key is still at `current`'s
    /// revision: `Ok(None)` when it is not (somebody wrote in between).
    fn replace_if(
        &self,
        key: &Key,
        current: &Object,
        mut value: Value,
    ) -> Result<Option<Object>, Error> {
        let bytes = stored_bytes(&mut value)?;
        let revision = to_etcd(current.resource_version());
        let unchanged = |etcd_key| Compare::mod_revision(etcd_key, CompareOp::Equal, revision);
        self.put_if(key.clone(), unchanged, value, bytes)
    }

    /// Creates a prepared object if its key is free: `Ok(None)` when it is
    /// not.
    fn create_if_free(
        &self,
        key: Key,
        value: Value,
        bytes: Vec<u8>,
    ) -> Result<Option<Object>, Error> {
        let free = |etcd_key| Compare::create_revision(etcd_key, CompareOp::Equal, 0);
        self.put_if(key, free, value, bytes)
    }

    /// Puts `bytes` under `key` if `condition` (made from the etcd key)
    /// holds; the object written, `None` when the condition did not hold.
    fn put_if(
        &self,
        key: Key,
        condition: impl FnOnce(String) -> Compare,
        mut value: Value,
        bytes: Vec<u8>,
    ) -> Result<Option<Object>, Error> {
        let etcd_key = self.inner.layout.key(&key)?;
        let txn = Txn::new()
            .when([condition(etcd_key.clone())])
            .and_then([TxnOp::put(etcd_key, bytes, None)]);
        let response = self.kv_txn(txn)?;
        if !response.succeeded() {
            return Ok(None);
        }
        let revision = header_revision(response.header());
        self.inner.writes.record(&key, revision);
        set_resource_version(&mut value, revision);
        Ok(Some(Object::new(key, revision, value)))
    }

    /// `conflict` after too many writes in between.
    fn contended(&self, key: &Key) -> Error {
        Error::new(
            ErrorKind::Conflict,
            format!(
                "the object changed under each of {} attempts to write it",
                self.inner.options.retries
            ),
        )
        .with_key(key)
    }

    /// The objects of `selector` at `revision` (0: the latest), read in
    /// pages at one revision.
    fn range(&self, selector: &Selector, revision: i64) -> Result<List, Error> {
        let prefix = self.inner.layout.range(selector);
        let end = prefix_end(&prefix);
        let page = i64::from(self.inner.options.page_size);
        let mut items = Vec::new();
        let mut from = prefix.into_bytes();
        let mut at = revision;
        loop {
            let options = GetOptions::new()
                .with_range(end.clone())
                .with_limit(page)
                .with_revision(at);
            let start = from.clone();
            let response = self.kv_get(start, options)?;
            if at == 0 {
                at = header_revision(response.header()).get() as i64;
            }
            for kv in response.kvs() {
                let object = decode(kv.value(), kv.mod_revision())?;
                if selector.matches(object.key()) {
                    items.push(object);
                }
            }
            match response.kvs().last() {
                Some(last) if response.more() => {
                    from = last.key().to_vec();
                    from.push(0);
                }
                _ => break,
            }
        }
        items.sort_by(|a, b| a.key().cmp(b.key()));
        Ok(List {
            items,
            revision: from_etcd(at),
        })
    }

    /// The etcd revision to read `at` (0: the latest), or the answer when no
    /// read is needed.
    fn read_revision(&self, at: ReadAt) -> Result<Option<i64>, Error> {
        match at {
            ReadAt::Latest => Ok(Some(0)),
            ReadAt::NotOlderThan(r) => {
                let now = self.revision()?;
                if r > now {
                    return Err(Error::new(
                        ErrorKind::FutureRevision,
                        format!("revision {r} is not reached yet"),
                    )
                    .with_revision(now));
                }
                Ok(Some(0))
            }
            // etcd reads revision 0 as "the latest": the state before the
            // first write is empty, unless compacted away.
            ReadAt::Exact(r) if r == Revision::ZERO => {
                let compacted = self.compacted()?;
                if compacted > Revision::ZERO {
                    return Err(write::gone(compacted));
                }
                Ok(None)
            }
            ReadAt::Exact(r) => Ok(Some(to_etcd(r))),
        }
    }
}

impl Store for EtcdStore {
    fn revision(&self) -> Result<Revision, Error> {
        let probe = self.inner.layout.probe();
        let response = self.kv_get(probe, GetOptions::new().with_count_only())?;
        Ok(header_revision(response.header()))
    }

    fn compacted(&self) -> Result<Revision, Error> {
        // etcd does not tell its compaction revision, but refuses a read
        // below it: the lowest revision that reads is the compaction.
        let current = to_etcd(self.revision()?);
        let readable =
            |revision: i64| -> Result<bool, Error> { Ok(!self.is_compacted_probe(revision)?) };
        if readable(1)? {
            return Ok(Revision::ZERO);
        }
        let (mut low, mut high) = (1, current);
        while high - low > 1 {
            let middle = low + (high - low) / 2;
            if readable(middle)? {
                high = middle;
            } else {
                low = middle;
            }
        }
        Ok(from_etcd(high))
    }

    fn get(&self, key: &Key, at: ReadAt) -> Result<Option<Object>, Error> {
        let Some(revision) = self.read_revision(at)? else {
            return Ok(None);
        };
        let etcd_key = self.inner.layout.key(key)?;
        let options = GetOptions::new().with_revision(revision);
        let response = self.kv_get(etcd_key, options)?;
        let object = response
            .kvs()
            .first()
            .map(|kv| decode(kv.value(), kv.mod_revision()))
            .transpose()?;
        // Kinds that differ only in case share a resource name: the object
        // there may be another's.
        Ok(object.filter(|o| o.key() == key))
    }

    fn list(&self, selector: &Selector, at: ReadAt) -> Result<List, Error> {
        match self.read_revision(at)? {
            Some(revision) => self.range(selector, revision),
            None => Ok(List {
                items: Vec::new(),
                revision: Revision::ZERO,
            }),
        }
    }

    fn create(&self, object: Value) -> Result<Object, Error> {
        let generated = object["metadata"]
            .get("name")
            .and_then(Value::as_str)
            .map_or(true, str::is_empty);
        for _ in 0..self.inner.options.retries {
            let (key, value, bytes) = self.prepare_create(object.clone())?;
            match self.create_if_free(key.clone(), value, bytes)? {
                Some(created) => return Ok(created),
                // A generated name that is taken: another one.
                None if generated => continue,
                None => return Err(Error::new(ErrorKind::AlreadyExists, "").with_key(&key)),
            }
        }
        Err(Error::new(
            ErrorKind::AlreadyExists,
            "every generated name tried is taken",
        ))
    }

    fn update(&self, object: Value) -> Result<Object, Error> {
        let key = Key::of(&object)?;
        let precondition = resource_version_of(&object).map_err(|e| e.with_key(&key))?;
        for _ in 0..self.inner.options.retries {
            let current = self.live(&key)?;
            check_precondition(&key, &current, precondition)?;
            let Some(value) = write::replaced(&key, &current, object.clone())? else {
                return Ok(current);
            };
            if let Some(written) = self.replace_if(&key, &current, value)? {
                return Ok(written);
            }
        }
        Err(self.contended(&key))
    }

    fn patch(&self, key: &Key, patch: &Patch) -> Result<Object, Error> {
        for _ in 0..self.inner.options.retries {
            let current = self.live(key);
            if let Err(err) = &current {
                if err.kind() != ErrorKind::NotFound {
                    return Err(err.clone());
                }
            }
            match write::patched(key, current, patch)? {
                Planned::Create(value) => {
                    let (key, value, bytes) = self.prepare_create(value)?;
                    if let Some(created) = self.create_if_free(key, value, bytes)? {
                        return Ok(created);
                    }
                }
                Planned::Unchanged(current) => return Ok(current),
                Planned::Replace(value, current) => {
                    let Some(value) = write::replaced(key, &current, value)? else {
                        return Ok(current);
                    };
                    if let Some(written) = self.replace_if(key, &current, value)? {
                        return Ok(written);
                    }
                }
            }
        }
        Err(self.contended(key))
    }

    fn delete(&self, key: &Key, precondition: Option<Revision>) -> Result<Object, Error> {
        let etcd_key = self.inner.layout.key(key)?;
        for _ in 0..self.inner.options.retries {
            let current = self.live(key)?;
            check_precondition(key, &current, precondition)?;
            let compare = Compare::mod_revision(
                etcd_key.clone(),
                CompareOp::Equal,
                to_etcd(current.resource_version()),
            );
            let delete = TxnOp::delete(etcd_key.clone(), Some(DeleteOptions::new()));
            let response = self.kv_txn(Txn::new().when([compare]).and_then([delete]))?;
            if response.succeeded() {
                let revision = header_revision(response.header());
                self.inner.writes.record(key, revision);
                return Ok(current.at_revision(revision));
            }
        }
        Err(self.contended(key))
    }

    fn watch(&self, selector: &Selector, from: Revision) -> Result<Box<dyn Watch>, Error> {
        // A watch must start after the compaction (a deletion made at the
        // compaction revision is gone from etcd's history): a read at `from`
        // tells, as etcd refuses one below its compaction.
        let current = self.revision()?;
        if from < current {
            self.check_readable(from)?;
        }
        let watch = EtcdWatch::start(
            Arc::clone(&self.inner),
            self.inner.layout.range(selector),
            selector.clone(),
            (from, current),
        )?;
        if from < current {
            // etcd sends a watch from the past its past changes from a loop
            // that runs every 100 ms; until then, a compaction can cancel
            // it, or drop a deletion it needs without cancelling it. Return
            // once it has them, then make sure no compaction came first.
            watch.synced(current, self.inner.options.request_timeout);
            self.check_readable(from)?;
        }
        Ok(Box::new(watch))
    }

    fn compact(&self, revision: Revision) -> Result<(), Error> {
        let current = self.revision()?;
        if revision > current {
            return Err(Error::new(
                ErrorKind::FutureRevision,
                format!("cannot compact to revision {revision}, not reached yet"),
            )
            .with_revision(current));
        }
        if revision == Revision::ZERO {
            return Ok(());
        }
        // Not physical: the compaction takes effect when etcd answers
        // (reads and watches below it are refused), and etcd removes the old
        // revisions from its database in the background, which takes about a
        // second per 100,000 revisions — longer than a request may wait.
        let options = CompactionOptions::new();
        match self.kv_compact(to_etcd(revision), options) {
            Ok(_) => Ok(()),
            // Compacting to a revision at or below the compaction does
            // nothing.
            Err(err) if err.kind() == ErrorKind::Gone => Ok(()),
            Err(err) => Err(err),
        }
    }
}

impl EtcdStore {
    /// `gone` when a read at `at` is refused, compacted away.
    fn check_readable(&self, at: Revision) -> Result<(), Error> {
        if let Some(revision) = self.read_revision(ReadAt::Exact(at))? {
            let options = GetOptions::new().with_count_only().with_revision(revision);
            self.kv_get(self.inner.layout.probe(), options)?;
        }
        Ok(())
    }

    /// Whether a read at `revision` fails because it is compacted away (and
    /// not for another reason).
    fn is_compacted_probe(&self, revision: i64) -> Result<bool, Error> {
        let probe = self.inner.layout.probe();
        let options = GetOptions::new().with_count_only().with_revision(revision);
        let answer = self.send(true, |mut client| {
            let (probe, options) = (probe.clone(), options.clone());
            async move { client.get(probe, Some(options)).await }
        })?;
        match answer {
            Ok(_) => Ok(false),
            Err(e)
                if e.to_string()
                    .contains("required revision has been compacted") =>
            {
                Ok(true)
            }
            Err(e) => Err(unavailable(&self.inner.endpoints, e)),
        }
    }
}

/// The bytes etcd keeps for an object: its JSON without
/// `metadata.resourceVersion`, which is the key's mod revision.
/// The value loses its `resourceVersion` (the store sets the new one once
/// etcd has answered), so that it is not copied to be encoded.
fn stored_bytes(value: &mut Value) -> Result<Vec<u8>, Error> {
    if let Some(Value::Object(metadata)) = value.get_mut("metadata") {
        metadata.remove("resourceVersion");
    }
    serde_json::to_vec(value)
        .map_err(|e| Error::new(ErrorKind::Invalid, format!("cannot encode the object: {e}")))
}

/// An object read from etcd, whose `resourceVersion` is `mod_revision`.
pub(crate) fn decode(bytes: &[u8], mod_revision: i64) -> Result<Object, Error> {
    let mut value: Value = serde_json::from_slice(bytes).map_err(|e| {
        Error::new(
            ErrorKind::Invalid,
            format!("etcd holds a value that is not JSON under the store's prefix: {e}"),
        )
    })?;
    let key = Key::of(&value)?;
    let revision = from_etcd(mod_revision);
    set_resource_version(&mut value, revision);
    Ok(Object::new(key, revision, value))
}

/// The key after every key that starts with `prefix`.
fn prefix_end(prefix: &str) -> Vec<u8> {
    let mut end = prefix.as_bytes().to_vec();
    // The prefixes end with '/', which is below 0xff: one increment.
    if let Some(last) = end.last_mut() {
        *last += 1;
    }
    end
}

fn header_revision(header: Option<&etcd_client::ResponseHeader>) -> Revision {
    from_etcd(header.map_or(0, etcd_client::ResponseHeader::revision))
}

pub(crate) fn from_etcd(revision: i64) -> Revision {
    Revision::new(u64::try_from(revision).unwrap_or(0))
}

pub(crate) fn to_etcd(revision: Revision) -> i64 {
    i64::try_from(revision.get()).unwrap_or(i64::MAX)
}

fn unavailable(endpoints: &[String], error: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Unavailable,
        format!("etcd at {}: {error}", endpoints.join(",")),
    )
}

/// gRPC's status code `UNAVAILABLE`.
const GRPC_UNAVAILABLE: i32 = 14;

/// gRPC's status codes for a request refused as it is: `INVALID_ARGUMENT`,
/// `FAILED_PRECONDITION`, `PERMISSION_DENIED`, `UNAUTHENTICATED`,
/// `RESOURCE_EXHAUSTED` (a request over etcd's size limit).
const REFUSED: [i32; 5] = [3, 9, 7, 16, 8];

/// Whether a request failed before it reached a member: its connection
/// was refused or could not be made.
fn not_sent(error: &etcd_client::Error) -> bool {
    match error {
        etcd_client::Error::TransportError(_) => true,
        etcd_client::Error::GRpcStatus(status) => {
            status.code() as i32 == GRPC_UNAVAILABLE && status.message().contains("connect error")
        }
        _ => false,
    }
}

/// Whether a member answered "unavailable" (no leader, a stopping member).
fn unavailable_status(error: &etcd_client::Error) -> bool {
    matches!(error, etcd_client::Error::GRpcStatus(status) if status.code() as i32 == GRPC_UNAVAILABLE)
}
