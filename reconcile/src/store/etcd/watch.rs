//! Watches over etcd: a task of the store's runtime reads the etcd watch
//! stream into a queue that [`Watch::next`] reads without waiting.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use etcd_client::{EventType, WatchOptions, WatchResponse};
use tokio::sync::mpsc;

use super::{decode, from_etcd, to_etcd, Inner};
use crate::error::{Error, ErrorKind};
use crate::object::{Key, Revision, Selector};
use crate::store::{Event, Watch, WatchEvent};

/// How long after its creation a watch from the past is surely synced by
/// etcd (its sync loop runs every 100 ms).
pub(crate) const SYNC_PERIOD: Duration = Duration::from_millis(300);

/// The writes made through one store handle, newest last, so that its
/// watches know which revisions they must receive to be caught up.
#[derive(Default)]
pub(crate) struct Writes {
    log: Mutex<VecDeque<(Revision, Key)>>,
}

impl Writes {
    /// How many writes are remembered.
    const KEPT: usize = 1 << 16;

    pub(crate) fn record(&self, key: &Key, revision: Revision) {
        let mut log = lock(&self.log);
        if log.len() == Self::KEPT {
            log.pop_front();
        }
        log.push_back((revision, key.clone()));
    }

    /// The revision of the newest write in `(after, upto]` to an object
    /// `selector` selects.
    fn newest(&self, selector: &Selector, after: Revision, upto: Revision) -> Option<Revision> {
        // Newest first; the log is in revision order (up to writes of
        // threads sharing the handle that cross), so the scan stops at
        // `after`.
        lock(&self.log)
            .iter()
            .rev()
            .skip_while(|(revision, _)| *revision > upto)
            .take_while(|(revision, _)| *revision > after)
            .find(|(_, key)| selector.matches(key))
            .map(|(revision, _)| *revision)
    }
}

/// A watch over etcd.
pub(crate) struct EtcdWatch {
    /// The store's connection and runtime, which the task reading the
    /// stream runs on: kept for as long as the watch.
    _store: Arc<Inner>,
    shared: Arc<Shared>,
    commands: mpsc::UnboundedSender<u64>,
    selector: Selector,
    writes: Arc<Writes>,
    /// The revision of the last message sent.
    last_sent: Revision,
    /// The progress ticket a requested bookmark waits for.
    bookmark: Option<u64>,
    tickets: u64,
    ended: Option<Error>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Event>,
    /// Why the stream ended, once it has.
    end: Option<Error>,
    /// The revision of the newest event received.
    received: Revision,
    /// A revision every change up to which has been received: the first
    /// answer of a progress round whose second answer has come back.
    confirmed: Revision,
    /// The newest progress ticket a completed round served.
    served: u64,
}

impl EtcdWatch {
    /// Opens the etcd watch (from `from + 1`) and starts the task that reads
    /// it.
    pub(crate) fn start(
        store: Arc<Inner>,
        prefix: String,
        selector: Selector,
        (from, current): (Revision, Revision),
    ) -> Result<EtcdWatch, Error> {
        let runtime = store.runtime.handle();
        let client = store.client.clone();
        let timeout = store.options.request_timeout;
        let writes = Arc::clone(&store.writes);
        // A watch from the past starts unsynced in etcd, which sends it the
        // past changes from a loop that runs every 100 ms; etcd before
        // 3.4.25 answers a progress request even for an unsynced watch. A
        // progress answer is trusted only once that loop has run.
        let trusted_from = if from < current {
            tokio::time::Instant::now() + SYNC_PERIOD
        } else {
            tokio::time::Instant::now()
        };
        let shared = Arc::new(Shared::default());
        lock(&shared.state).received = from;
        let options = WatchOptions::new()
            .with_prefix()
            .with_prev_key()
            .with_start_revision(to_etcd(from.next()));
        let stream = runtime
            .block_on(async move {
                let mut client = client;
                tokio::time::timeout(timeout, client.watch(prefix, Some(options))).await
            })
            .map_err(|_| {
                Error::new(
                    ErrorKind::Unavailable,
                    "etcd did not open the watch in time",
                )
            })?
            .map_err(|e| {
                Error::new(
                    ErrorKind::Unavailable,
                    format!("etcd refused the watch: {e}"),
                )
            })?;
        let (commands, receiver) = mpsc::unbounded_channel();
        runtime.spawn(read(
            stream,
            receiver,
            Arc::clone(&shared),
            selector.clone(),
            trusted_from,
        ));
        Ok(EtcdWatch {
            _store: store,
            shared,
            commands,
            selector,
            writes,
            last_sent: from,
            bookmark: None,
            tickets: 0,
            ended: None,
        })
    }

    /// Waits, at most `timeout`, until etcd has sent this watch from the
    /// past the past changes of the writes made through the store's handle
    /// up to `current` (so that etcd has synced it: a compaction can no
    /// longer drop one of them); when there are none to wait for, for the
    /// time etcd's sync loop takes to run.
    pub(crate) fn synced(&self, current: Revision, timeout: Duration) {
        let start = lock(&self.shared.state).received;
        match self.writes.newest(&self.selector, start, current) {
            Some(needed) => {
                self.wait(Instant::now() + timeout, |s| s.received >= needed);
            }
            None => std::thread::sleep(SYNC_PERIOD),
        }
    }

    /// Asks the task for a progress round; returns its ticket.
    fn ask_progress(&mut self) -> u64 {
        self.tickets += 1;
        // A closed channel means the task has ended, with its reason in
        // the state.
        let _ = self.commands.send(self.tickets);
        self.tickets
    }

    /// Waits until `done` holds of the state, the stream ends, or the
    /// deadline passes; says whether `done` holds.
    fn wait(&self, deadline: Instant, done: impl Fn(&State) -> bool) -> bool {
        let mut state = lock(&self.shared.state);
        loop {
            if done(&state) {
                return true;
            }
            if state.end.is_some() {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, deadline - now)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }
}

impl Watch for EtcdWatch {
    fn next(&mut self) -> Result<Option<WatchEvent>, Error> {
        if let Some(err) = &self.ended {
            return Err(err.clone());
        }
        let mut state = lock(&self.shared.state);
        if let Some(event) = state.queue.pop_front() {
            let previous = std::mem::replace(&mut self.last_sent, event.revision());
            return Ok(Some(WatchEvent { event, previous }));
        }
        if let Some(end) = &state.end {
            self.ended = Some(end.clone());
            return Err(end.clone());
        }
        if let Some(ticket) = self.bookmark {
            let pending = self
                .writes
                .newest(&self.selector, state.received, state.confirmed);
            if state.served >= ticket && pending.is_none() {
                self.bookmark = None;
                let revision = state.confirmed.max(self.last_sent);
                let previous = std::mem::replace(&mut self.last_sent, revision);
                return Ok(Some(WatchEvent {
                    event: Event::Bookmark(revision),
                    previous,
                }));
            }
        }
        Ok(None)
    }

    fn request_progress(&mut self) {
        let ticket = self.ask_progress();
        self.bookmark = Some(ticket);
    }

    fn catch_up(&mut self, revision: Revision, timeout: Duration) -> Result<bool, Error> {
        let deadline = Instant::now() + timeout;
        // The writes made through this store's handle: their events.
        let received = lock(&self.shared.state).received;
        if let Some(needed) = self.writes.newest(&self.selector, received, revision) {
            if !self.wait(deadline, |s| s.received >= needed) {
                return Ok(lock(&self.shared.state).end.is_some());
            }
        }
        // A bookmark asked for: its progress round.
        if let Some(ticket) = self.bookmark {
            if !self.wait(deadline, |s| s.served >= ticket) {
                return Ok(lock(&self.shared.state).end.is_some());
            }
        }
        // Writes by other clients: etcd's progress.
        loop {
            if lock(&self.shared.state).confirmed >= revision {
                return Ok(true);
            }
            let ticket = self.ask_progress();
            if !self.wait(deadline, |s| s.served >= ticket) {
                return Ok(lock(&self.shared.state).end.is_some());
            }
        }
    }
}

/// The task: reads responses into the queue, runs progress rounds.
async fn read(
    stream: etcd_client::WatchStream,
    mut commands: mpsc::UnboundedReceiver<u64>,
    shared: Arc<Shared>,
    selector: Selector,
    trusted_from: tokio::time::Instant,
) {
    let (mut sender, mut responses) = stream.split();
    // The newest ticket asked for, the one the running round serves, and
    // the first answer of the running round.
    let mut asked: u64 = 0;
    let mut serving: Option<(u64, Option<Revision>)> = None;
    let end = loop {
        tokio::select! {
            ticket = commands.recv() => {
                let Some(ticket) = ticket else { return };
                asked = asked.max(ticket);
                if serving.is_none() {
                    serving = Some((asked, None));
                    tokio::time::sleep_until(trusted_from).await;
                    if let Err(e) = sender.request_progress().await {
                        break disconnected(e);
                    }
                }
            }
            message = responses.message() => {
                let response = match message {
                    Ok(Some(response)) => response,
                    Ok(None) => break Error::new(ErrorKind::Disconnected, "etcd closed the watch stream"),
                    Err(e) => break disconnected(e),
                };
                if response.canceled() {
                    break cancelled(&response);
                }
                if response.created() {
                    continue;
                }
                if response.events().is_empty() {
                    let revision = from_etcd(response.header().map_or(0, etcd_client::ResponseHeader::revision));
                    match serving {
                        Some((ticket, None)) => {
                            // The first answer may overtake queued events:
                            // ask again, and trust it once the second comes.
                            serving = Some((ticket, Some(revision)));
                            if let Err(e) = sender.request_progress().await {
                                break disconnected(e);
                            }
                        }
                        Some((ticket, Some(first))) => {
                            {
                                let mut state = lock(&shared.state);
                                state.confirmed = state.confirmed.max(first);
                                state.served = ticket;
                            }
                            shared.changed.notify_all();
                            serving = None;
                            if asked > ticket {
                                serving = Some((asked, None));
                                if let Err(e) = sender.request_progress().await {
                                    break disconnected(e);
                                }
                            }
                        }
                        None => {}
                    }
                    continue;
                }
                if let Err(e) = take(&response, &selector, &shared) {
                    break e;
                }
            }
        }
    };
    lock(&shared.state).end = Some(end);
    shared.changed.notify_all();
}

/// Queues the events of a response that the selector selects.
fn take(response: &WatchResponse, selector: &Selector, shared: &Shared) -> Result<(), Error> {
    let mut events = Vec::with_capacity(response.events().len());
    let mut newest = Revision::ZERO;
    for event in response.events() {
        let Some(kv) = event.kv() else { continue };
        newest = newest.max(from_etcd(kv.mod_revision()));
        let event = match event.event_type() {
            EventType::Put => {
                let object = decode(kv.value(), kv.mod_revision())?;
                if kv.create_revision() == kv.mod_revision() {
                    Event::Added(object)
                } else {
                    Event::Modified(object)
                }
            }
            EventType::Delete => {
                let previous = event.prev_kv().ok_or_else(|| {
                    Error::new(
                        ErrorKind::Disconnected,
                        "etcd reported a deletion without the object's last state (compacted)",
                    )
                })?;
                let object = decode(previous.value(), previous.mod_revision())?;
                Event::Deleted(object.at_revision(from_etcd(kv.mod_revision())))
            }
        };
        if event.object().is_some_and(|o| selector.matches(o.key())) {
            events.push(event);
        }
    }
    {
        let mut state = lock(&shared.state);
        state.queue.extend(events);
        state.received = state.received.max(newest);
    }
    shared.changed.notify_all();
    Ok(())
}

fn cancelled(response: &WatchResponse) -> Error {
    if response.compact_revision() > 0 {
        let compacted = from_etcd(response.compact_revision());
        return Error::new(
            ErrorKind::Gone,
            format!("the store is compacted to revision {compacted}"),
        )
        .with_revision(compacted);
    }
    Error::new(
        ErrorKind::Disconnected,
        format!("etcd cancelled the watch: {}", response.cancel_reason()),
    )
}

fn disconnected(error: etcd_client::Error) -> Error {
    Error::new(
        ErrorKind::Disconnected,
        format!("the etcd watch stream failed: {error}"),
    )
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // No code panics while holding these locks.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
