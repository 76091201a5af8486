//! etcd servers started for tests, CI and benchmarks.
//!
//! A [`Member`] is one etcd process; a [`Cluster`] is several of them
//! forming one etcd cluster. Every member listens on free loopback ports,
//! keeps its data in a temporary directory that is removed on drop, writes
//! its log there (the end of it is shown in the error when the member fails
//! to start), and uses short raft timings (heartbeat 50 ms, election
//! timeout 500 ms), so that a leader is elected in about a second.
//!
//! The API is synchronous. The etcd-client calls it makes (a member's
//! status, its member list) run on a small current-thread tokio runtime of
//! the harness's own, on a thread of their own, so it is used alike from
//! plain tests and from code running inside another runtime. Killing,
//! stopping and restarting take `&self`: one thread may do it while others
//! write.
//!
//! # The etcd binary
//!
//! The binary named by the environment variable `PATCHLAW_ETCD`
//! ([`BINARY_VAR`]), else `etcd` on `PATH`; Debian's package `etcd-server`
//! installs it. [`Member::with_binary`] and [`Cluster::with_binary`] name
//! one explicitly. Without a binary, starting fails with an error that says
//! how to install one: a test that needs etcd fails, it never skips.
//!
//! # Examples
//!
//! ```no_run
//! use patchlaw_reconcile::store::etcd::server::Cluster;
//!
//! let cluster = Cluster::start(3)?;
//! let leader = cluster.leader()?;
//! cluster.kill(leader)?;
//! let successor = cluster.wait_for_leader()?;
//! assert_ne!(successor, leader);
//! cluster.restart(leader)?;
//! # Ok::<(), std::io::Error>(())
//! ```

use std::env;
use std::fmt::Write as _;
use std::fs::{self, OpenOptions};
use std::future::Future;
use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use etcd_client::{Client, ConnectOptions};
use tempfile::TempDir;

/// The environment variable naming the etcd binary to start.
///
/// # Examples
///
/// ```no_run
/// use patchlaw_reconcile::store::etcd::server::{find_binary, BINARY_VAR};
///
/// // PATCHLAW_ETCD=/opt/etcd/bin/etcd cargo test ...
/// println!("{BINARY_VAR} or PATH gives {}", find_binary()?.display());
/// # Ok::<(), std::io::Error>(())
/// ```
pub const BINARY_VAR: &str = "PATCHLAW_ETCD";

/// How long a started member has to answer requests as itself.
const READY_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a cluster has to elect a leader that every running member knows.
const LEADER_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a member has to exit after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one request to a member may take. A member that listens but is
/// not ready yet holds the request and answers it once ready, so a long
/// bound costs no start time.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(2);
/// The pause between two polls of a member.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// How many times a start is tried on fresh ports when a port was taken
/// between choosing it and etcd binding it.
const START_ATTEMPTS: usize = 5;
/// Raft timings in milliseconds: etcd's defaults are 100 and 1000; halved so
/// that a test waits half as long for an election.
const HEARTBEAT_MS: u32 = 50;
const ELECTION_TIMEOUT_MS: u32 = 500;
/// How many lines of a member's log an error shows.
const LOG_TAIL_LINES: usize = 20;

/// The etcd binary that [`Member::start`] and [`Cluster::start`] run: the
/// path in `PATCHLAW_ETCD` if that is set, else `etcd` on `PATH`.
///
/// # Errors
///
/// [`io::ErrorKind::NotFound`] when `PATCHLAW_ETCD` names no file, or when it
/// is unset and no `etcd` is on `PATH`; the message says how to install
/// etcd (Debian: `apt-get install etcd-server`).
///
/// # Examples
///
/// ```no_run
/// use patchlaw_reconcile::store::etcd::server::find_binary;
///
/// let etcd = find_binary()?;
/// assert!(etcd.is_file());
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn find_binary() -> io::Result<PathBuf> {
    match env::var_os(BINARY_VAR).filter(|value| !value.is_empty()) {
        Some(value) => {
            let path = PathBuf::from(value);
            if path.is_file() {
                Ok(path)
            } else {
                Err(missing(format!(
                    "{BINARY_VAR}={} names no etcd binary",
                    path.display()
                )))
            }
        }
        None => env::split_paths(&env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join("etcd"))
            .find(|path| path.is_file())
            .ok_or_else(|| {
                missing(format!(
                    "no etcd binary: {BINARY_VAR} is unset and no `etcd` is on PATH"
                ))
            }),
    }
}

/// One etcd server: a process on free loopback ports with a temporary data
/// directory.
///
/// Dropping a member kills its process (SIGKILL), reaps it, and removes the
/// directory.
///
/// # Examples
///
/// ```no_run
/// use patchlaw_reconcile::store::etcd::server::Member;
///
/// let member = Member::start()?;
/// let endpoint = member.client_url(); // give it to etcd_client::Client::connect
/// member.kill()?; // SIGKILL: acknowledged writes are on disk
/// member.restart()?; // from the same data directory, on the same ports
/// assert!(member.is_running());
/// # let _ = endpoint;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Member {
    config: Config,
    child: Mutex<Option<Child>>,
    dir: TempDir,
}

impl Member {
    /// Starts a member, a cluster of one, with the binary of
    /// [`find_binary`], and waits until it answers.
    ///
    /// # Errors
    ///
    /// The error of [`find_binary`] without a binary; an error naming the
    /// member and showing the end of its log when it exits or does not
    /// answer within 15 s; any I/O error creating its directory.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Member;
    ///
    /// let member = Member::start()?;
    /// assert!(member.client_url().starts_with("http://127.0.0.1:"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn start() -> io::Result<Member> {
        Member::with_binary(find_binary()?)
    }

    /// Starts a member as [`Member::start`] does, running the etcd binary at
    /// `binary`.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::NotFound`] when `binary` is no file, with how to
    /// install etcd; otherwise as [`Member::start`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Member;
    ///
    /// let member = Member::with_binary("/usr/bin/etcd")?;
    /// # let _ = member;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn with_binary(binary: impl Into<PathBuf>) -> io::Result<Member> {
        let mut members = start_members(binary.into(), 1)?;
        members
            .pop()
            .ok_or_else(|| io::Error::other("a cluster of one started without its member"))
    }

    /// The member's name in its cluster: `m0`, `m1`, ….
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Member;
    ///
    /// assert_eq!(Member::start()?.name(), "m0");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The URL clients connect to, `http://127.0.0.1:<port>`; the same
    /// after a restart.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Member;
    ///
    /// let member = Member::start()?;
    /// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// runtime.block_on(async {
    ///     let mut client = etcd_client::Client::connect([member.client_url()], None).await?;
    ///     client.put("k", "v", None).await?;
    ///     Ok::<(), etcd_client::Error>(())
    /// })
    /// .map_err(std::io::Error::other)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn client_url(&self) -> &str {
        &self.config.client_url
    }

    /// The URL the cluster's members talk to each other on.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Member;
    ///
    /// let member = Member::start()?;
    /// assert_ne!(member.peer_url(), member.client_url());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn peer_url(&self) -> &str {
        &self.config.peer_url
    }

    /// The member's temporary directory: etcd's data directory
    /// ([`Member::data_dir`]) and its log ([`Member::log_path`]). Removed
    /// when the member is dropped.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Member;
    ///
    /// let member = Member::start()?;
    /// let dir = member.dir().to_path_buf();
    /// drop(member);
    /// assert!(!dir.exists());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// etcd's data directory (`--data-dir`), inside [`Member::dir`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Member;
    ///
    /// let member = Member::start()?;
    /// assert!(member.data_dir().join("member").is_dir());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The file etcd logs to (`--log-outputs`, and its standard error),
    /// inside [`Member::dir`]; a restart appends to it.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Member;
    ///
    /// let member = Member::start()?;
    /// let log = std::fs::read_to_string(member.log_path())?;
    /// assert!(log.contains("published local member to cluster"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("etcd.log")
    }

    /// The last `lines` lines of the member's log, or a note saying why
    /// it could not be read.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Member;
    ///
    /// let member = Member::start()?;
    /// assert!(!member.log_tail(5).is_empty());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn log_tail(&self, lines: usize) -> String {
        match fs::read(self.log_path()) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let all: Vec<&str> = text.lines().collect();
                all[all.len().saturating_sub(lines)..].join("\n")
            }
            Err(error) => format!(
                "(the log {} cannot be read: {error})",
                self.log_path().display()
            ),
        }
    }

    /// Whether the member's process is running: started, not killed or
    /// stopped, and not exited.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Member;
    ///
    /// let member = Member::start()?;
    /// member.kill()?;
    /// assert!(!member.is_running());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_running(&self) -> bool {
        self.pid().is_some()
    }

    /// The process id of the running member; `None` when it is not
    /// running. A process found to have exited is reaped.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Member;
    ///
    /// let member = Member::start()?;
    /// let before = member.pid();
    /// member.kill()?;
    /// member.restart()?;
    /// assert_ne!(member.pid(), before);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn pid(&self) -> Option<u32> {
        let mut child = self.child();
        match child.as_mut().map(Child::try_wait) {
            Some(Ok(None)) => child.as_ref().map(Child::id),
            Some(Ok(Some(_)) | Err(_)) => {
                *child = None;
                None
            }
            None => None,
        }
    }

    /// Kills the member's process with SIGKILL and reaps it, as a crash
    /// would: nothing is flushed, but etcd has synced every acknowledged
    /// write to its write-ahead log. Nothing happens if it is not running.
    ///
    /// # Errors
    ///
    /// An I/O error from killing or reaping the process.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Member;
    ///
    /// let member = Member::start()?;
    /// member.kill()?;
    /// assert_eq!(member.pid(), None);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn kill(&self) -> io::Result<()> {
        let mut child = self.child();
        if let Some(process) = child.as_mut() {
            kill_and_reap(process)?;
        }
        *child = None;
        Ok(())
    }

    /// Stops the member gracefully: SIGTERM, then SIGKILL if it has not
    /// exited within 10 s. A leader hands its leadership over first.
    /// Nothing happens if it is not running.
    ///
    /// # Errors
    ///
    /// An I/O error from signalling or reaping the process.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Member;
    ///
    /// let member = Member::start()?;
    /// member.stop()?;
    /// assert!(!member.is_running());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn stop(&self) -> io::Result<()> {
        let mut child = self.child();
        if let Some(process) = child.as_mut() {
            terminate(process)?;
        }
        *child = None;
        Ok(())
    }

    /// Starts the member again from its data directory, with the same
    /// name and ports, and waits until it answers; a running member is
    /// stopped first ([`Member::stop`]).
    ///
    /// A member of a [`Cluster`] answers once it has rejoined, which needs
    /// a quorum of the cluster running.
    ///
    /// # Errors
    ///
    /// An error naming the member and showing the end of its log when it
    /// exits (for example when another process took one of its ports) or
    /// does not answer within 15 s.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Member;
    ///
    /// let member = Member::start()?;
    /// member.kill()?;
    /// member.restart()?;
    /// assert!(member.is_running());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn restart(&self) -> io::Result<()> {
        self.stop()?;
        self.spawn()?;
        wait_until_ready(&[self])
    }

    /// Starts the process, without waiting for it to answer.
    fn spawn(&self) -> io::Result<()> {
        let mut child = self.child();
        if child.is_some() {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("etcd member {} is already running", self.name()),
            ));
        }
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())?;
        let config = &self.config;
        let mut command = Command::new(&config.binary);
        command
            .arg("--name")
            .arg(&config.name)
            .arg("--data-dir")
            .arg(self.data_dir())
            .args(["--listen-client-urls", &config.client_url])
            .args(["--advertise-client-urls", &config.client_url])
            .args(["--listen-peer-urls", &config.peer_url])
            .args(["--initial-advertise-peer-urls", &config.peer_url])
            .args(["--initial-cluster", &config.initial_cluster])
            .args(["--initial-cluster-state", "new"])
            .args(["--initial-cluster-token", &config.token])
            .arg(format!("--heartbeat-interval={HEARTBEAT_MS}"))
            .arg(format!("--election-timeout={ELECTION_TIMEOUT_MS}"))
            .args(["--logger", "zap"])
            .arg("--log-outputs")
            .arg(self.log_path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        // etcd reads its flags from ETCD_* variables too: the caller's must
        // not reach the member.
        for (name, _) in env::vars_os() {
            if name.to_string_lossy().starts_with("ETCD_") {
                command.env_remove(name);
            }
        }
        let process = command.spawn().map_err(|error| {
            let what = format!(
                "the etcd binary {} cannot be run: {error}",
                config.binary.display()
            );
            if error.kind() == io::ErrorKind::NotFound {
                missing(what)
            } else {
                io::Error::new(error.kind(), what)
            }
        })?;
        *child = Some(process);
        Ok(())
    }

    /// Whether the member's log says a port was taken.
    fn port_clash(&self) -> bool {
        fs::read_to_string(self.log_path()).is_ok_and(|log| log.contains("address already in use"))
    }

    /// The exit status of a process that has exited (and is reaped), or
    /// `None` while it runs. An error if there is no process.
    fn exit_status(&self) -> io::Result<Option<ExitStatus>> {
        let mut child = self.child();
        let Some(process) = child.as_mut() else {
            return Err(io::Error::other(format!(
                "etcd member {} was killed or stopped while starting",
                self.name()
            )));
        };
        let status = process.try_wait()?;
        if status.is_some() {
            *child = None;
        }
        Ok(status)
    }

    /// The process, locked. The lock is held to spawn, signal or reap the
    /// process (for [`Member::stop`], until it exits), never while waiting
    /// for etcd to answer.
    fn child(&self) -> MutexGuard<'_, Option<Child>> {
        self.child.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An error about this member, with the end of its log.
    fn error(&self, kind: io::ErrorKind, what: &str) -> io::Error {
        io::Error::new(
            kind,
            format!(
                "etcd member {} ({}, log {}): {what}; the end of its log:\n{}",
                self.name(),
                self.client_url(),
                self.log_path().display(),
                self.log_tail(LOG_TAIL_LINES)
            ),
        )
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        // Killed and reaped before the fields drop: the directory goes
        // only once no process writes in it.
        if let Some(process) = self
            .child
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            let _ = kill_and_reap(process);
        }
    }
}

/// Several etcd members forming one cluster on loopback.
///
/// Members are numbered from 0 in the order of the cluster's
/// `--initial-cluster`; a member keeps its number, name, ports and data
/// directory across kills and restarts. Dropping the cluster drops its
/// members: their processes are killed and their directories removed.
///
/// # Examples
///
/// ```no_run
/// use patchlaw_reconcile::store::etcd::server::Cluster;
///
/// let cluster = Cluster::start(3)?;
/// let endpoints = cluster.endpoints(); // for etcd_client::Client::connect
/// assert_eq!(endpoints.len(), 3);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Cluster {
    members: Vec<Member>,
}

impl Cluster {
    /// Starts a cluster of `size` members with the binary of
    /// [`find_binary`], and waits until every member answers and they have
    /// elected a leader.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] for a size of 0; the error of
    /// [`find_binary`] without a binary; an error naming the member and
    /// showing the end of its log when one exits or does not answer within
    /// 15 s; an error when no leader is elected within 15 s.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Cluster;
    ///
    /// let cluster = Cluster::start(3)?;
    /// assert_eq!(cluster.members().len(), 3);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn start(size: usize) -> io::Result<Cluster> {
        Cluster::with_binary(find_binary()?, size)
    }

    /// Starts a cluster as [`Cluster::start`] does, running the etcd binary
    /// at `binary`.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::NotFound`] when `binary` is no file, with how to
    /// install etcd; otherwise as [`Cluster::start`].
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Cluster;
    ///
    /// let cluster = Cluster::with_binary("/usr/bin/etcd", 3)?;
    /// # let _ = cluster;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn with_binary(binary: impl Into<PathBuf>, size: usize) -> io::Result<Cluster> {
        let cluster = Cluster {
            members: start_members(binary.into(), size)?,
        };
        cluster.wait_for_leader()?;
        Ok(cluster)
    }

    /// The client URLs of every member, running or not, in member order.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Cluster;
    ///
    /// let cluster = Cluster::start(3)?;
    /// assert_eq!(cluster.endpoints()[1], cluster.member(1).client_url());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn endpoints(&self) -> Vec<String> {
        self.members
            .iter()
            .map(|member| member.client_url().to_owned())
            .collect()
    }

    /// The members, in member order.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Cluster;
    ///
    /// let cluster = Cluster::start(3)?;
    /// assert!(cluster.members().iter().all(|member| member.is_running()));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// Member `index`.
    ///
    /// # Panics
    ///
    /// If `index` is not below the cluster's size, as slice indexing does.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Cluster;
    ///
    /// let cluster = Cluster::start(3)?;
    /// assert_eq!(cluster.member(2).name(), "m2");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn member(&self, index: usize) -> &Member {
        &self.members[index]
    }

    /// Member `index`, mutably. Every method of [`Member`] takes `&self`,
    /// so this is only for callers that hold the cluster mutably anyway.
    ///
    /// # Panics
    ///
    /// If `index` is not below the cluster's size, as slice indexing does.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Cluster;
    ///
    /// let mut cluster = Cluster::start(3)?;
    /// cluster.member_mut(0).stop()?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn member_mut(&mut self, index: usize) -> &mut Member {
        &mut self.members[index]
    }

    /// The index of the current leader: a running member whose status
    /// names itself as leader. Waits up to 15 s for one to be elected.
    ///
    /// Just after the leader is killed, the others may still name it
    /// until their election timeout; use [`Cluster::wait_for_leader`] to
    /// wait until every running member knows the new one.
    ///
    /// # Errors
    ///
    /// An error listing what each member answered when no running member
    /// is leader within 15 s.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Cluster;
    ///
    /// let cluster = Cluster::start(3)?;
    /// let leader = cluster.leader()?;
    /// assert!(leader < 3);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn leader(&self) -> io::Result<usize> {
        self.poll_leader("a running member to be elected leader", |answers| {
            answers
                .iter()
                .enumerate()
                .find_map(|(index, answer)| match answer {
                    Answer::Status(status) if status.leader == status.member => Some(index),
                    _ => None,
                })
        })
    }

    /// Waits up to 15 s until every running member answers and names the
    /// same leader, itself a running member, and returns that leader's
    /// index: the cluster has settled after a start, a kill or a restart.
    ///
    /// # Errors
    ///
    /// An error listing what each member answered when the cluster does
    /// not settle within 15 s.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Cluster;
    ///
    /// let cluster = Cluster::start(3)?;
    /// let leader = cluster.wait_for_leader()?;
    /// cluster.kill(leader)?;
    /// assert_ne!(cluster.wait_for_leader()?, leader);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn wait_for_leader(&self) -> io::Result<usize> {
        self.poll_leader(
            "every running member to know one running leader",
            |answers| {
                let mut leader = None;
                for answer in answers {
                    match answer {
                        Answer::NotRunning => {}
                        Answer::Status(status)
                            if status.leader != 0
                                && leader.map_or(true, |known| known == status.leader) =>
                        {
                            leader = Some(status.leader);
                        }
                        Answer::Status(_) | Answer::Failed(_) => return None,
                    }
                }
                answers.iter().position(|answer| {
                matches!(answer, Answer::Status(status) if Some(status.member) == leader)
            })
            },
        )
    }

    /// Kills member `index` with SIGKILL ([`Member::kill`]).
    ///
    /// # Errors
    ///
    /// As [`Member::kill`].
    ///
    /// # Panics
    ///
    /// If `index` is not below the cluster's size, as slice indexing does.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Cluster;
    ///
    /// let cluster = Cluster::start(3)?;
    /// cluster.kill(cluster.leader()?)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn kill(&self, index: usize) -> io::Result<()> {
        self.member(index).kill()
    }

    /// Restarts member `index` from its data directory and waits until it
    /// has rejoined the cluster ([`Member::restart`]).
    ///
    /// # Errors
    ///
    /// As [`Member::restart`].
    ///
    /// # Panics
    ///
    /// If `index` is not below the cluster's size, as slice indexing does.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use patchlaw_reconcile::store::etcd::server::Cluster;
    ///
    /// let cluster = Cluster::start(3)?;
    /// cluster.kill(0)?;
    /// cluster.restart(0)?;
    /// assert!(cluster.member(0).is_running());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn restart(&self, index: usize) -> io::Result<()> {
        self.member(index).restart()
    }

    /// Polls every member's status until `decide` picks a leader.
    fn poll_leader(
        &self,
        what: &str,
        decide: impl Fn(&[Answer]) -> Option<usize>,
    ) -> io::Result<usize> {
        let deadline = Instant::now() + LEADER_TIMEOUT;
        loop {
            let answers: Vec<Answer> = self
                .members
                .iter()
                .map(|member| {
                    if !member.is_running() {
                        return Answer::NotRunning;
                    }
                    match status(member.client_url()) {
                        Ok(status) => Answer::Status(status),
                        Err(error) => Answer::Failed(error.to_string()),
                    }
                })
                .collect();
            if let Some(leader) = decide(&answers) {
                return Ok(leader);
            }
            if Instant::now() >= deadline {
                let mut report = String::new();
                for (member, answer) in self.members.iter().zip(&answers) {
                    let _ = write!(report, "\n  {} ({}): ", member.name(), member.client_url());
                    let _ = match answer {
                        Answer::NotRunning => write!(report, "not running"),
                        Answer::Failed(error) => write!(report, "no status: {error}"),
                        Answer::Status(status) => {
                            write!(
                                report,
                                "member id {:x}, leader {:x}",
                                status.member, status.leader
                            )
                        }
                    };
                }
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "etcd cluster: waited {} s for {what}; the members answered:{report}",
                        LEADER_TIMEOUT.as_secs()
                    ),
                ));
            }
            thread::sleep(POLL_INTERVAL);
        }
    }
}

/// What one member answered to a status request.
enum Answer {
    NotRunning,
    Failed(String),
    Status(Status),
}

/// The part of a member's status the harness reads.
#[derive(Debug, Clone, Copy)]
struct Status {
    /// The member's id.
    member: u64,
    /// The id of the leader it knows, 0 for none.
    leader: u64,
}

/// How a member is started; the same on every restart.
#[derive(Debug)]
struct Config {
    binary: PathBuf,
    name: String,
    client_url: String,
    peer_url: String,
    initial_cluster: String,
    token: String,
}

/// Starts `size` members of a new cluster and waits until all answer,
/// trying again on fresh ports when a port was taken.
fn start_members(binary: PathBuf, size: usize) -> io::Result<Vec<Member>> {
    if size == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "an etcd cluster needs at least one member",
        ));
    }
    if !binary.is_file() {
        return Err(missing(format!(
            "the etcd binary {} does not exist",
            binary.display()
        )));
    }
    let mut clash = None;
    for _ in 0..START_ATTEMPTS {
        let members = new_members(&binary, size)?;
        // Every process first, then the waits: a member of a cluster
        // answers only once a quorum of it runs.
        for member in &members {
            member.spawn()?;
        }
        let refs: Vec<&Member> = members.iter().collect();
        match wait_until_ready(&refs) {
            Ok(()) => return Ok(members),
            Err(error) if members.iter().any(Member::port_clash) => clash = Some(error),
            Err(error) => return Err(error),
        }
    }
    Err(clash.unwrap_or_else(|| io::Error::other("etcd cluster: no start attempt was made")))
}

/// Members of a new cluster on free ports, not started.
fn new_members(binary: &Path, size: usize) -> io::Result<Vec<Member>> {
    let ports = free_ports(2 * size)?;
    let url = |port: u16| format!("http://127.0.0.1:{port}");
    let initial_cluster = (0..size)
        .map(|index| format!("m{index}={}", url(ports[2 * index + 1])))
        .collect::<Vec<_>>()
        .join(",");
    let token = cluster_token();
    (0..size)
        .map(|index| {
            let dir = tempfile::Builder::new()
                .prefix("patchlaw-etcd-")
                .tempdir()?;
            Ok(Member {
                config: Config {
                    binary: binary.to_path_buf(),
                    name: format!("m{index}"),
                    client_url: url(ports[2 * index]),
                    peer_url: url(ports[2 * index + 1]),
                    initial_cluster: initial_cluster.clone(),
                    token: token.clone(),
                },
                child: Mutex::new(None),
                dir,
            })
        })
        .collect()
}

/// `count` distinct ports free on 127.0.0.1 now. Another process may take
/// one before etcd binds it: the start is then tried again.
fn free_ports(count: usize) -> io::Result<Vec<u16>> {
    // All listeners stay open until every port is chosen, so that the
    // ports differ.
    let listeners = (0..count)
        .map(|_| TcpListener::bind(("127.0.0.1", 0)))
        .collect::<io::Result<Vec<_>>>()?;
    listeners
        .iter()
        .map(|listener| Ok(listener.local_addr()?.port()))
        .collect()
}

/// A token no other cluster uses, so that a member never joins the
/// cluster of an earlier test that had the same ports.
fn cluster_token() -> String {
    static CLUSTERS: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    format!(
        "patchlaw-{}-{}-{nanos}",
        std::process::id(),
        CLUSTERS.fetch_add(1, Ordering::Relaxed)
    )
}

/// Waits until every member answers a status request, failing as soon as
/// one exits.
fn wait_until_ready(members: &[&Member]) -> io::Result<()> {
    let start = Instant::now();
    let mut ready = vec![false; members.len()];
    loop {
        for (member, ready) in members
            .iter()
            .zip(ready.iter_mut())
            .filter(|(_, ready)| !**ready)
        {
            if let Some(exit) = member.exit_status()? {
                let what = format!("etcd exited while starting ({exit})");
                return Err(member.error(io::ErrorKind::Other, &what));
            }
            *ready = answers_as(member).is_ok();
        }
        if ready.iter().all(|ready| *ready) {
            return Ok(());
        }
        if start.elapsed() >= READY_TIMEOUT {
            if let Some((member, _)) = members.iter().zip(&ready).find(|(_, ready)| !**ready) {
                let what = format!(
                    "no answer to a status request within {} s",
                    READY_TIMEOUT.as_secs()
                );
                return Err(member.error(io::ErrorKind::TimedOut, &what));
            }
        }
        thread::sleep(POLL_INTERVAL);
    }
}

/// The status of the member at `url`.
fn status(url: &str) -> io::Result<Status> {
    block_on(async {
        let response = within(url, "status", async { connect(url).await?.status().await }).await?;
        let member = response
            .header()
            .map(|header| header.member_id())
            .ok_or_else(|| io::Error::other(format!("status of {url}: no response header")))?;
        Ok(Status {
            member,
            leader: response.leader(),
        })
    })?
}

/// Whether the server at `member`'s client URL is that member, and
/// ready. A member that fails to bind its port exits, but in the meantime
/// the process that holds the port could answer: the member list tells
/// the name and peer URL of the member that answered.
fn answers_as(member: &Member) -> io::Result<()> {
    let url = member.client_url();
    let response = block_on(within(url, "member list", async {
        connect(url).await?.member_list().await
    }))??;
    let responder = response.header().map(|header| header.member_id());
    let itself = response
        .members()
        .iter()
        .find(|listed| Some(listed.id()) == responder);
    match itself {
        Some(listed)
            if listed.name() == member.name()
                && listed
                    .peer_urls()
                    .iter()
                    .any(|url| url == member.peer_url()) =>
        {
            Ok(())
        }
        _ => Err(io::Error::other(format!(
            "{url} is served by another etcd member than {}",
            member.name()
        ))),
    }
}

/// A client of the one member at `url`.
async fn connect(url: &str) -> Result<Client, etcd_client::Error> {
    let options = ConnectOptions::new()
        .with_connect_timeout(REQUEST_TIMEOUT)
        .with_timeout(REQUEST_TIMEOUT);
    Client::connect([url], Some(options)).await
}

/// `request` (named `what`) to `url`, bounded by [`REQUEST_TIMEOUT`].
async fn within<T>(
    url: &str,
    what: &str,
    request: impl Future<Output = Result<T, etcd_client::Error>>,
) -> io::Result<T> {
    tokio::time::timeout(REQUEST_TIMEOUT, request)
        .await
        .map_err(|_| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{what} of {url}: timed out"),
            )
        })?
        .map_err(|error| io::Error::other(format!("{what} of {url}: {error}")))
}

/// Runs `future` to completion on a current-thread runtime on a thread of
/// its own, so that the caller may itself be inside a runtime.
fn block_on<F>(future: F) -> io::Result<F::Output>
where
    F: Future + Send,
    F::Output: Send,
{
    thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                Ok(runtime.block_on(future))
            })
            .join()
            .unwrap_or_else(|_| {
                Err(io::Error::other(
                    "the thread of an etcd client call panicked",
                ))
            })
    })
}

/// SIGKILL, then reap.
fn kill_and_reap(process: &mut Child) -> io::Result<()> {
    if process.try_wait()?.is_none() {
        process.kill()?;
    }
    process.wait().map(drop)
}

/// SIGTERM, then SIGKILL if the process has not exited within
/// [`STOP_TIMEOUT`]; reaped either way.
fn terminate(process: &mut Child) -> io::Result<()> {
    if process.try_wait()?.is_some() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        let pid = i32::try_from(process.id())
            .ok()
            .and_then(rustix::process::Pid::from_raw)
            .ok_or_else(|| io::Error::other(format!("process id {} out of range", process.id())))?;
        rustix::process::kill_process(pid, rustix::process::Signal::TERM)?;
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            if process.try_wait()?.is_some() {
                return Ok(());
            }
            thread::sleep(POLL_INTERVAL);
        }
    }
    kill_and_reap(process)
}

/// A missing binary: `what`, and how to get one.
fn missing(what: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "{what}; install etcd (Debian: `apt-get install etcd-server`, which provides /usr/bin/etcd) \
             or set {BINARY_VAR} to the path of an etcd binary"
        ),
    )
}
