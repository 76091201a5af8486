//! The work queue: deduplicated, one in flight per key, backoff.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use super::Backoff;

/// A work queue of keys, as client-go's rate-limited work queue: a key is
/// queued at most once; a key taken out ([`pop`](Queue::pop)) is in flight
/// until [`done`](Queue::done), and adding it meanwhile queues it again only
/// then, so that no key is worked on twice at once and no addition is lost;
/// a failed key comes back after an exponential backoff
/// ([`add_rate_limited`](Queue::add_rate_limited)) until
/// [`forget`](Queue::forget).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use patchlaw_reconcile::runtime::{Backoff, Queue};
///
/// let mut queue = Queue::new(Backoff::new(Duration::from_secs(1), Duration::from_secs(60)));
/// let now = Duration::ZERO;
/// queue.add("a");
/// queue.add("a");
/// assert_eq!(queue.len(), 1);
/// let key = queue.pop(now).unwrap();
/// queue.add("a"); // while in flight: queued again when done
/// assert_eq!(queue.pop(now), None);
/// queue.done(&key);
/// assert_eq!(queue.pop(now), Some("a"));
/// queue.add_rate_limited("a", now); // failed: back in 1 s
/// queue.done(&"a");
/// assert_eq!(queue.pop(now), None);
/// assert_eq!(queue.pop(Duration::from_secs(1)), Some("a"));
/// ```
#[derive(Clone, Debug)]
pub struct Queue<K> {
    ready: VecDeque<K>,
    queued: BTreeSet<K>,
    active: BTreeSet<K>,
    /// Added while in flight: queued again when done.
    dirty: BTreeSet<K>,
    /// Waiting keys by due time (with a sequence number to keep equal
    /// times in order), and each waiting key's entry.
    waiting: BTreeMap<(Duration, u64), K>,
    due: BTreeMap<K, (Duration, u64)>,
    sequence: u64,
    failures: BTreeMap<K, u32>,
    backoff: Backoff,
}

impl<K: Ord + Clone> Queue<K> {
    /// An empty queue whose failed keys wait by `backoff`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, Queue};
    ///
    /// let queue: Queue<String> = Queue::new(Backoff::new(Duration::from_millis(5), Duration::from_secs(1000)));
    /// assert!(queue.is_empty());
    /// ```
    #[must_use]
    pub fn new(backoff: Backoff) -> Queue<K> {
        Queue {
            ready: VecDeque::new(),
            queued: BTreeSet::new(),
            active: BTreeSet::new(),
            dirty: BTreeSet::new(),
            waiting: BTreeMap::new(),
            due: BTreeMap::new(),
            sequence: 0,
            failures: BTreeMap::new(),
            backoff,
        }
    }

    /// Queues `key` now, unless it is queued already (or in flight: then
    /// when it is done).
    ///
    /// # Examples
    ///
    /// See [`Queue`].
    pub fn add(&mut self, key: K) {
        if self.active.contains(&key) {
            self.dirty.insert(key);
        } else if self.queued.insert(key.clone()) {
            self.ready.push_back(key);
        }
    }

    /// Queues `key` at `now + delay` (the earliest time wins when it is
    /// already waiting).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, Queue};
    ///
    /// let mut q = Queue::new(Backoff::new(Duration::ZERO, Duration::ZERO));
    /// q.add_after(1, Duration::from_secs(5), Duration::ZERO);
    /// assert_eq!(q.pop(Duration::from_secs(4)), None);
    /// assert_eq!(q.next_due(), Some(Duration::from_secs(5)));
    /// assert_eq!(q.pop(Duration::from_secs(5)), Some(1));
    /// ```
    pub fn add_after(&mut self, key: K, delay: Duration, now: Duration) {
        if delay.is_zero() {
            self.add(key);
            return;
        }
        let at = now + delay;
        if let Some(&(current, sequence)) = self.due.get(&key) {
            if current <= at {
                return;
            }
            self.waiting.remove(&(current, sequence));
        }
        self.sequence += 1;
        self.waiting.insert((at, self.sequence), key.clone());
        self.due.insert(key, (at, self.sequence));
    }

    /// Queues `key` after the backoff its failures in a row call for, and
    /// counts one more failure.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, Queue};
    ///
    /// let mut q = Queue::new(Backoff::new(Duration::from_secs(1), Duration::from_secs(60)));
    /// q.add_rate_limited("k", Duration::ZERO);
    /// q.add_rate_limited("k", Duration::ZERO);
    /// assert_eq!(q.failures(&"k"), 2);
    /// assert_eq!(q.next_due(), Some(Duration::from_secs(1)));
    /// ```
    pub fn add_rate_limited(&mut self, key: K, now: Duration) {
        let failures = self.failures.entry(key.clone()).or_insert(0);
        *failures += 1;
        let delay = self.backoff.delay(*failures);
        self.add_after(key, delay, now);
    }

    /// Forgets the failures of `key` (after a success).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, Queue};
    ///
    /// let mut q = Queue::new(Backoff::new(Duration::from_secs(1), Duration::from_secs(60)));
    /// q.add_rate_limited("k", Duration::ZERO);
    /// q.forget(&"k");
    /// assert_eq!(q.failures(&"k"), 0);
    /// ```
    pub fn forget(&mut self, key: &K) {
        self.failures.remove(key);
    }

    /// The failures of `key` in a row.
    ///
    /// # Examples
    ///
    /// See [`Queue::add_rate_limited`].
    #[must_use]
    pub fn failures(&self, key: &K) -> u32 {
        self.failures.get(key).copied().unwrap_or(0)
    }

    /// Takes the next ready key out, after queueing the waiting keys due
    /// at `now`; it is in flight until [`done`](Queue::done).
    ///
    /// # Examples
    ///
    /// See [`Queue`].
    pub fn pop(&mut self, now: Duration) -> Option<K> {
        self.advance(now);
        let key = self.ready.pop_front()?;
        self.queued.remove(&key);
        self.active.insert(key.clone());
        Some(key)
    }

    /// Ends the work on `key`; if it was added meanwhile, it is queued.
    ///
    /// # Examples
    ///
    /// See [`Queue`].
    pub fn done(&mut self, key: &K) {
        self.active.remove(key);
        if self.dirty.remove(key) {
            self.add(key.clone());
        }
    }

    /// How many keys are ready (not waiting, not in flight).
    ///
    /// # Examples
    ///
    /// See [`Queue`].
    #[must_use]
    pub fn len(&self) -> usize {
        self.ready.len()
    }

    /// Whether no key is ready, waiting or in flight.
    ///
    /// # Examples
    ///
    /// See [`Queue::new`].
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ready.is_empty()
            && self.waiting.is_empty()
            && self.active.is_empty()
            && self.dirty.is_empty()
    }

    /// Whether `key` is in flight.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, Queue};
    ///
    /// let mut q = Queue::new(Backoff::new(Duration::ZERO, Duration::ZERO));
    /// q.add(7);
    /// let k = q.pop(Duration::ZERO).unwrap();
    /// assert!(q.in_flight(&k));
    /// ```
    #[must_use]
    pub fn in_flight(&self, key: &K) -> bool {
        self.active.contains(key)
    }

    /// When the first waiting key is due.
    ///
    /// # Examples
    ///
    /// See [`Queue::add_after`].
    #[must_use]
    pub fn next_due(&self) -> Option<Duration> {
        self.waiting.keys().next().map(|&(at, _)| at)
    }

    /// Queues the waiting keys due at `now` (as [`pop`](Queue::pop) does
    /// first), so that [`len`](Queue::len) counts them.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use patchlaw_reconcile::runtime::{Backoff, Queue};
    ///
    /// let mut q = Queue::new(Backoff::new(Duration::ZERO, Duration::ZERO));
    /// q.add_after("k", Duration::from_secs(2), Duration::ZERO);
    /// q.advance(Duration::from_secs(2));
    /// assert_eq!(q.len(), 1);
    /// ```
    pub fn advance(&mut self, now: Duration) {
        while let Some(entry) = self.waiting.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let key = entry.remove();
            self.due.remove(&key);
            self.add(key);
        }
    }
}
