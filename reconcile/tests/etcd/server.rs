//! `store::etcd::server`: members and clusters of real etcd processes.

use std::error::Error;
use std::future::Future;
use std::io;
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use etcd_client::{Client, ConnectOptions};
use patchlaw_reconcile::store::etcd::server::{Cluster, Member};

type TestResult = Result<(), Box<dyn Error>>;

/// Runs `future` on a runtime of the test's own.
fn run<T>(
    future: impl Future<Output = Result<T, etcd_client::Error>>,
) -> Result<T, Box<dyn Error>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(runtime.block_on(future)?)
}

/// A client of the one member at `endpoint`; a request that hangs fails.
async fn connect(endpoint: &str) -> Result<Client, etcd_client::Error> {
    let timeout = Duration::from_secs(5);
    let options = ConnectOptions::new()
        .with_connect_timeout(timeout)
        .with_timeout(timeout);
    Client::connect([endpoint], Some(options)).await
}

/// Puts `key` = `value` through `endpoint`; the revision of the write.
async fn put(endpoint: &str, key: &str, value: &str) -> Result<i64, etcd_client::Error> {
    let response = connect(endpoint).await?.put(key, value, None).await?;
    Ok(response.header().map_or(0, |header| header.revision()))
}

/// The value of `key` read through `endpoint` (a linearizable read: the
/// member serves it once it has applied everything the leader had
/// committed when the read came in).
async fn get(endpoint: &str, key: &str) -> Result<Option<String>, etcd_client::Error> {
    let response = connect(endpoint).await?.get(key, None).await?;
    Ok(match response.kvs().first() {
        Some(kv) => Some(kv.value_str()?.to_owned()),
        None => None,
    })
}

#[test]
fn a_member_serves_puts_and_gets() -> TestResult {
    let member = Member::start()?;
    assert!(member.is_running());
    assert!(member.pid().is_some());
    assert_eq!(member.name(), "m0");
    assert!(member.client_url().starts_with("http://127.0.0.1:"));
    let url = member.client_url();
    let revision = run(put(url, "greeting", "hello"))?;
    assert!(revision > 1, "revision {revision}");
    assert_eq!(run(get(url, "greeting"))?.as_deref(), Some("hello"));
    assert_eq!(run(get(url, "absent"))?, None);
    assert!(member.data_dir().join("member").is_dir());
    assert!(
        std::fs::read_to_string(member.log_path())?.contains("published local member to cluster")
    );
    Ok(())
}

#[test]
fn a_member_killed_or_stopped_restarts_with_its_acknowledged_writes() -> TestResult {
    let member = Member::start()?;
    let url = member.client_url().to_owned();
    for n in 0..20 {
        run(put(&url, &format!("k{n}"), &format!("v{n}")))?;
    }
    let pid = member.pid();

    member.kill()?;
    assert!(!member.is_running());
    assert_eq!(member.pid(), None);
    member.kill()?; // a second kill does nothing
    assert!(run(get(&url, "k0")).is_err(), "a killed member answered");

    member.restart()?;
    assert!(member.is_running());
    assert_ne!(member.pid(), pid);
    assert_eq!(member.client_url(), url);
    for n in 0..20 {
        assert_eq!(run(get(&url, &format!("k{n}")))?, Some(format!("v{n}")));
    }

    run(put(&url, "after", "restart"))?;
    member.stop()?;
    assert!(!member.is_running());
    member.restart()?;
    assert_eq!(run(get(&url, "after"))?.as_deref(), Some("restart"));
    assert_eq!(run(get(&url, "k19"))?.as_deref(), Some("v19"));
    Ok(())
}

#[test]
fn dropping_a_member_kills_it_and_removes_its_directory() -> TestResult {
    let member = Member::start()?;
    let dir = member.dir().to_path_buf();
    let url = member.client_url().to_owned();
    let pid = member.pid().ok_or("a started member has no process")?;
    assert!(member.data_dir().starts_with(&dir) && member.log_path().starts_with(&dir));
    assert!(dir.is_dir());

    drop(member);
    assert!(!dir.exists(), "{} is left", dir.display());
    // The process is gone (reaped); were its pid reused already, it is by
    // another program.
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    assert!(!String::from_utf8_lossy(&cmdline).contains(&*dir.to_string_lossy()));
    assert!(run(get(&url, "k")).is_err(), "a dropped member answered");
    Ok(())
}

#[test]
fn a_restart_on_a_taken_port_fails_with_the_end_of_the_log() -> TestResult {
    let member = Member::start()?;
    member.kill()?;
    let port: u16 = member
        .client_url()
        .rsplit(':')
        .next()
        .ok_or("no port")?
        .parse()?;
    let squatter = TcpListener::bind(("127.0.0.1", port))?;

    let error = member
        .restart()
        .err()
        .ok_or("etcd started on a taken port")?;
    let message = error.to_string();
    assert!(message.contains("etcd member m0"), "{message}");
    assert!(message.contains("the end of its log"), "{message}");
    assert!(message.contains("address already in use"), "{message}");
    assert!(!member.is_running());

    drop(squatter);
    member.restart()?;
    assert!(member.is_running());
    Ok(())
}

#[test]
fn a_cluster_elects_a_new_leader_when_its_leader_is_killed_and_the_leader_catches_up() -> TestResult
{
    let cluster = Cluster::start(3)?;
    let endpoints = cluster.endpoints();
    assert_eq!(endpoints.len(), 3);
    assert_eq!(cluster.members().len(), 3);
    for (index, member) in cluster.members().iter().enumerate() {
        assert_eq!(member.name(), format!("m{index}"));
        assert_eq!(member.client_url(), endpoints[index]);
        assert!(member.is_running());
    }
    let leader = cluster.leader()?;
    assert_eq!(cluster.wait_for_leader()?, leader);
    for endpoint in &endpoints {
        run(put(endpoint, "written-through", endpoint))?;
    }
    assert_eq!(
        run(get(&endpoints[leader], "written-through"))?.as_deref(),
        Some(endpoints[2].as_str())
    );

    cluster.kill(leader)?;
    assert!(!cluster.member(leader).is_running());
    let successor = cluster.wait_for_leader()?;
    assert_ne!(successor, leader);
    assert_eq!(cluster.leader()?, successor);
    let mut last_revision = 0;
    for (index, endpoint) in endpoints
        .iter()
        .enumerate()
        .filter(|(index, _)| *index != leader)
    {
        last_revision = run(put(endpoint, "after-kill", &format!("through m{index}")))?;
    }
    let latest = format!(
        "through m{}",
        (0..3)
            .rfind(|index| *index != leader)
            .ok_or("no survivor")?
    );

    cluster.restart(leader)?;
    assert!(cluster.member(leader).is_running());
    assert_eq!(
        run(get(&endpoints[leader], "after-kill"))?,
        Some(latest.clone())
    );
    let response = run(async {
        connect(&endpoints[leader])
            .await?
            .get("after-kill", None)
            .await
    })?;
    let revision = response.header().map_or(0, |header| header.revision());
    assert!(
        revision >= last_revision,
        "revision {revision} < {last_revision}"
    );
    let settled = cluster.wait_for_leader()?;
    assert!(settled < 3);
    for endpoint in &endpoints {
        assert_eq!(run(get(endpoint, "after-kill"))?, Some(latest.clone()));
    }
    Ok(())
}

#[test]
fn a_missing_binary_is_a_clear_error() {
    let error = Member::with_binary("/nonexistent")
        .err()
        .map(|error| (error.kind(), error.to_string()));
    let (kind, message) = error.unwrap_or((io::ErrorKind::Other, "started".to_owned()));
    assert_eq!(kind, io::ErrorKind::NotFound, "{message}");
    assert!(message.contains("/nonexistent does not exist"), "{message}");
    assert!(message.contains("apt-get install etcd-server"), "{message}");
    assert!(message.contains("PATCHLAW_ETCD"), "{message}");

    let error = Cluster::with_binary("/nonexistent", 3)
        .err()
        .map(|error| error.kind());
    assert_eq!(error, Some(io::ErrorKind::NotFound));
    let error = Cluster::with_binary("/nonexistent", 0)
        .err()
        .map(|error| error.kind());
    assert_eq!(error, Some(io::ErrorKind::InvalidInput));
}

/// A test that needs etcd fails when it finds none, and says how to get
/// it: this test binary is run again, in a child process whose environment
/// names no etcd, on the test above that starts a member.
#[test]
fn a_test_without_etcd_fails_saying_how_to_install_it() -> TestResult {
    let empty = tempfile::tempdir()?;
    let environments: [(&str, Option<&Path>, &str); 2] = [
        (
            "/nonexistent",
            None,
            "PATCHLAW_ETCD=/nonexistent names no etcd binary",
        ),
        (
            "",
            Some(empty.path()),
            "PATCHLAW_ETCD is unset and no `etcd` is on PATH",
        ),
    ];
    for (variable, path, expected) in environments {
        let mut command = Command::new(std::env::current_exe()?);
        command.args([
            "--exact",
            "server::a_member_serves_puts_and_gets",
            "--test-threads=1",
        ]);
        if variable.is_empty() {
            command.env_remove("PATCHLAW_ETCD");
        } else {
            command.env("PATCHLAW_ETCD", variable);
        }
        if let Some(path) = path {
            command.env("PATH", path);
        }
        let output = command.output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            !output.status.success(),
            "the test passed without etcd:\n{stdout}"
        );
        assert!(stdout.contains("1 failed"), "{stdout}");
        assert!(stdout.contains(expected), "{stdout}");
        assert!(stdout.contains("apt-get install etcd-server"), "{stdout}");
    }
    Ok(())
}
