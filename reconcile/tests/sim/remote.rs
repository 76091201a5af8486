//! A [`MemoryStore`] seen as over a network: its watches hand on a message
//! only once asked to catch up with a revision at least its own, and its
//! writes fail with `disconnected` while it is down.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use patchlaw_reconcile::store::{List, MemoryStore, Patch, ReadAt, Store, Watch, WatchEvent};
use patchlaw_reconcile::{Error, ErrorKind, Key, Object, Revision, Selector};
use serde_json::{json, Value};

#[derive(Clone, Default)]
pub(super) struct Remote {
    pub(super) inner: MemoryStore,
    switches: Arc<Mutex<Switches>>,
}

#[derive(Clone, Copy, Default)]
pub(super) struct Switches {
    /// Writes fail with `disconnected`.
    pub(super) down: bool,
    /// A write that fails while down is made all the same (the answer is
    /// lost, not the request).
    pub(super) made_anyway: bool,
    /// The watches of every kind never catch up.
    pub(super) stall_all: bool,
    /// No watch ever catches up.
    pub(super) stall: bool,
}

impl Remote {
    /// A store at revision `offset` (writes of ConfigMaps in namespace
    /// `elsewhere`), compacted to it.
    pub(super) fn at(offset: u64) -> Remote {
        let remote = Remote::default();
        for n in 0..offset {
            remote
                .inner
                .create(json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": format!("c{n}"), "namespace": "elsewhere"}}))
                .unwrap();
        }
        remote.inner.compact(Revision::new(offset)).unwrap();
        remote
    }

    pub(super) fn set(&self, change: impl FnOnce(&mut Switches)) {
        change(&mut self.switches.lock().unwrap());
    }

    fn switches(&self) -> Switches {
        *self.switches.lock().unwrap()
    }

    fn write(
        &self,
        write: impl FnOnce(&MemoryStore) -> Result<Object, Error>,
    ) -> Result<Object, Error> {
        let switches = self.switches();
        if !switches.down {
            return write(&self.inner);
        }
        if switches.made_anyway {
            let _ = write(&self.inner);
        }
        Err(Error::new(ErrorKind::Disconnected, "connection refused"))
    }
}

impl Store for Remote {
    fn revision(&self) -> Result<Revision, Error> {
        self.inner.revision()
    }

    fn compacted(&self) -> Result<Revision, Error> {
        self.inner.compacted()
    }

    fn get(&self, key: &Key, at: ReadAt) -> Result<Option<Object>, Error> {
        self.inner.get(key, at)
    }

    fn list(&self, selector: &Selector, at: ReadAt) -> Result<List, Error> {
        self.inner.list(selector, at)
    }

    fn create(&self, object: Value) -> Result<Object, Error> {
        self.write(|s| s.create(object))
    }

    fn update(&self, object: Value) -> Result<Object, Error> {
        self.write(|s| s.update(object))
    }

    fn patch(&self, key: &Key, patch: &Patch) -> Result<Object, Error> {
        self.write(|s| s.patch(key, patch))
    }

    fn delete(&self, key: &Key, precondition: Option<Revision>) -> Result<Object, Error> {
        self.write(|s| s.delete(key, precondition))
    }

    fn watch(&self, selector: &Selector, from: Revision) -> Result<Box<dyn Watch>, Error> {
        Ok(Box::new(RemoteWatch {
            inner: self.inner.watch(selector, from)?,
            every_kind: selector.get_kind().is_none(),
            switches: Arc::clone(&self.switches),
            released: from,
            arrived: VecDeque::new(),
            end: None,
        }))
    }

    fn compact(&self, revision: Revision) -> Result<(), Error> {
        self.inner.compact(revision)
    }
}

struct RemoteWatch {
    inner: Box<dyn Watch>,
    every_kind: bool,
    switches: Arc<Mutex<Switches>>,
    /// Messages up to this revision can be read.
    released: Revision,
    arrived: VecDeque<WatchEvent>,
    end: Option<Error>,
}

impl RemoteWatch {
    fn receive(&mut self) {
        while self.end.is_none() {
            match self.inner.next() {
                Ok(Some(message)) => self.arrived.push_back(message),
                Ok(None) => return,
                Err(err) => self.end = Some(err),
            }
        }
    }
}

impl Watch for RemoteWatch {
    fn next(&mut self) -> Result<Option<WatchEvent>, Error> {
        self.receive();
        match self.arrived.front() {
            Some(message) if message.revision() <= self.released => Ok(self.arrived.pop_front()),
            Some(_) => Ok(None),
            None => self.end.clone().map_or(Ok(None), Err),
        }
    }

    fn request_progress(&mut self) {
        self.inner.request_progress();
    }

    fn catch_up(&mut self, revision: Revision, _: Duration) -> Result<bool, Error> {
        let switches = *self.switches.lock().unwrap();
        if switches.stall || (switches.stall_all && self.every_kind) {
            return Ok(false);
        }
        self.released = self.released.max(revision);
        Ok(true)
    }
}
