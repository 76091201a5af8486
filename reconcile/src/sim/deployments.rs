//! The scenario of the talk: Deployments that users apply and an
//! autoscaler scales, a consumer that keeps each Deployment's pods, and
//! optionally a sidecar injector that applies with its own annotation and
//! a chaos writer that deletes pods.

use std::fmt;
use std::time::Duration;

use serde_json::{json, Value};

use super::{Fault, Scenario, Schedule, SimOptions, Step};
use crate::error::Error;
use crate::object::{Key, Object, Selector};
use crate::runtime::{
    controller_owner, Backoff, Change, Consumer, Controller, ControllerOptions, Edge, EdgeHandler,
    EdgeMode, EdgeOptions, Reconcile, Reconciler, View, Watches, Write,
};
use crate::store::{Patch, ReadAt, Store};

/// Which consumer keeps the pods of each Deployment.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::PodKeeper;
///
/// assert_eq!(PodKeeper::ALL.map(|c| c.name()), ["edge-triggered", "edge + gap detection", "level-triggered"]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PodKeeper {
    /// [`EdgeMode::Naive`]: creates and deletes pods by the change of
    /// `replicas` in each event, from the last value it kept.
    Edge,
    /// [`EdgeMode::GapDetecting`], with a relist every 30 ticks: the same
    /// handler, fed every change once, in order.
    EdgeWithRelist,
    /// A level-triggered [`Controller`]: compares each Deployment in its
    /// cache with its pods in its cache, resyncs every 10 ticks.
    Level,
}

impl PodKeeper {
    /// The three, in the order the talk shows them.
    pub const ALL: [PodKeeper; 3] = [PodKeeper::Edge, PodKeeper::EdgeWithRelist, PodKeeper::Level];

    /// The consumer's name in tables.
    ///
    /// # Examples
    ///
    /// See [`PodKeeper`].
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            PodKeeper::Edge => "edge-triggered",
            PodKeeper::EdgeWithRelist => "edge + gap detection",
            PodKeeper::Level => "level-triggered",
        }
    }
}

/// The three ways an edge-triggered consumer goes wrong, each with a
/// minimal schedule of the [`Deployments`] scenario that shows it
/// ([`FailureMode::schedule`]).
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::{PodKeeper, Deployments, FailureMode};
///
/// for mode in FailureMode::ALL {
///     let naive = Deployments::new(PodKeeper::Edge).scenario().run(&mode.schedule());
///     let repaired = Deployments::new(PodKeeper::EdgeWithRelist).scenario().run(&mode.schedule());
///     assert!(naive.converged_after.map_or(true, |t| t > Deployments::BOUND), "{mode:?}");
///     assert!(repaired.converged_after.is_some_and(|t| t <= Deployments::BOUND), "{mode:?}");
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureMode {
    /// A lost event is never acted on: the controller's next message is
    /// dropped, alice applies `web`; no pod ever.
    LostData,
    /// An event that arrives late is taken for news: alice applies `web`,
    /// the controller's next message is held back behind the one after it,
    /// the autoscaler scales `web` to 0 then to 1; the consumer sees 1, then
    /// 0, and deletes the pod the Deployment wants.
    StaleData,
    /// The reaction waits for the event: the controller's next message
    /// comes 21 ticks late, alice applies `web`; the pod comes only then,
    /// past the bound.
    SlowReaction,
}

impl FailureMode {
    /// The three.
    pub const ALL: [FailureMode; 3] = [
        FailureMode::LostData,
        FailureMode::StaleData,
        FailureMode::SlowReaction,
    ];

    /// The name: `lost data`, `stale data`, `slow reaction`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(patchlaw_reconcile::sim::FailureMode::StaleData.name(), "stale data");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            FailureMode::LostData => "lost data",
            FailureMode::StaleData => "stale data",
            FailureMode::SlowReaction => "slow reaction",
        }
    }

    /// The minimal schedule that shows it, found by the test bed.
    ///
    /// # Examples
    ///
    /// See [`FailureMode`].
    #[must_use]
    pub fn schedule(self) -> Schedule {
        let controller = |fault| Step::Fault { actor: 0, fault };
        let apply_web = Step::Write {
            writer: 0,
            choice: 0,
        };
        let scale_web = |replicas| Step::Write {
            writer: 2,
            choice: replicas,
        };
        Schedule::new(match self {
            FailureMode::LostData => vec![controller(Fault::Drop), apply_web],
            FailureMode::StaleData => vec![
                apply_web,
                controller(Fault::Reorder),
                scale_web(0),
                scale_web(1),
            ],
            FailureMode::SlowReaction => vec![controller(Fault::Delay(21)), apply_web],
        })
    }
}

/// One write of the scenario's writers.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::{Deployments, PodKeeper, DeploymentWrite};
///
/// let d = Deployments::new(PodKeeper::Level);
/// assert_eq!(d.write(0, 1), Some(DeploymentWrite::Apply { name: "web", image: "app:2" }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeploymentWrite {
    /// `kubectl apply` of the Deployment's manifest with this image (no
    /// `replicas`: the autoscaler owns them).
    Apply {
        /// The Deployment.
        name: &'static str,
        /// The image of its container `app`.
        image: &'static str,
    },
    /// `kubectl delete` of the Deployment.
    Delete {
        /// The Deployment.
        name: &'static str,
    },
    /// The autoscaler's merge patch of `spec.replicas`.
    Scale {
        /// The Deployment.
        name: &'static str,
        /// The replicas.
        replicas: u64,
    },
    /// The chaos writer deletes a pod.
    Kill {
        /// The pod.
        pod: &'static str,
    },
}

impl fmt::Display for DeploymentWrite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeploymentWrite::Apply { name, image } => write!(f, "apply {name} {image}"),
            DeploymentWrite::Delete { name } => write!(f, "delete {name}"),
            DeploymentWrite::Scale { name, replicas } => write!(f, "scale {name} to {replicas}"),
            DeploymentWrite::Kill { pod } => write!(f, "delete pod {pod}"),
        }
    }
}

/// The talk's scenario, in namespace `default`. Writers: `alice` applies
/// Deployment `web` (image `app:1` or `app:2`) or deletes it, `bob` does
/// the same with `api`, both with kubectl's annotation and without
/// `replicas`; `autoscaler` sets `replicas` (0 to 3) with a merge patch;
/// optionally `chaos` deletes pods. Actors: `controller`, the
/// [`PodKeeper`] under test, which keeps pods `<name>-<i>` for `i <
/// replicas` (1 when unset) with the Deployment's image, applied with its
/// own annotation; optionally `injector`, a level-triggered controller that
/// applies a `proxy` container and a label to every Deployment with its
/// own annotation.
///
/// The desired state: each Deployment has exactly its pods, with its
/// image; no pod outlives its Deployment; with the injector, each
/// Deployment has the proxy.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::{PodKeeper, Deployments, Schedule, Step};
///
/// let scenario = Deployments::new(PodKeeper::Level).scenario();
/// let apply_web = Step::Write { writer: 0, choice: 0 };
/// let scale_web_to_3 = Step::Write { writer: 2, choice: 3 };
/// let run = scenario.trace(&Schedule::new(vec![apply_web, Step::Tick, scale_web_to_3]));
/// assert_eq!(run.converged_after, Some(1));
/// println!("{}", run.trace.unwrap());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deployments {
    consumer: PodKeeper,
    injector: bool,
    chaos: bool,
    options: SimOptions,
}

/// The Deployments.
const NAMES: [&str; 2] = ["web", "api"];
/// The images users apply.
const IMAGES: [&str; 2] = ["app:1", "app:2"];
/// The pods the chaos writer deletes.
const KILLED: [&str; 3] = ["web-0", "web-1", "api-0"];
/// The annotation of the pods' applier.
const PODS_ANNOTATION: &str = "replicas.example.com/last-applied";
/// The annotation of the injector.
pub(crate) const INJECTOR_ANNOTATION: &str = "inject.example.com/last-applied";
const NAMESPACE: &str = "default";

impl Deployments {
    /// The bound, in quiet ticks, within which a level-triggered controller
    /// (and the edge-triggered consumer with gap detection, under the
    /// faults it repairs) reaches the desired state in this scenario, with
    /// the default [`SimOptions`]: see `spec/60-reconcile.md`.
    pub const BOUND: u64 = 21;

    /// The scenario with `consumer` keeping the pods, no injector, no chaos.
    ///
    /// # Examples
    ///
    /// See [`Deployments`].
    #[must_use]
    pub fn new(consumer: PodKeeper) -> Deployments {
        Deployments {
            consumer,
            injector: false,
            chaos: false,
            options: SimOptions::new(),
        }
    }

    /// With the sidecar injector.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::{PodKeeper, Deployments};
    ///
    /// assert_eq!(Deployments::new(PodKeeper::Level).injector(true).scenario().shape(),
    ///     patchlaw_reconcile::sim::Shape::new(vec![3, 3, 8], 2));
    /// ```
    #[must_use]
    pub fn injector(self, on: bool) -> Deployments {
        Deployments {
            injector: on,
            ..self
        }
    }

    /// With the chaos writer.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::{PodKeeper, Deployments};
    ///
    /// assert_eq!(Deployments::new(PodKeeper::Level).chaos(true).scenario().shape(),
    ///     patchlaw_reconcile::sim::Shape::new(vec![3, 3, 8, 3], 1));
    /// ```
    #[must_use]
    pub fn chaos(self, on: bool) -> Deployments {
        Deployments { chaos: on, ..self }
    }

    /// With these simulation options.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_reconcile::sim::{PodKeeper, Deployments, SimOptions};
    ///
    /// let d = Deployments::new(PodKeeper::Level).options(SimOptions::new().check_invariants(true));
    /// assert!(d.scenario().get_options().get_check_invariants());
    /// ```
    #[must_use]
    pub fn options(self, options: SimOptions) -> Deployments {
        Deployments { options, ..self }
    }

    /// The write `choice` of writer `writer` (in the order of the scenario:
    /// alice, bob, autoscaler, chaos).
    ///
    /// # Examples
    ///
    /// See [`DeploymentWrite`].
    #[must_use]
    pub fn write(&self, writer: usize, choice: usize) -> Option<DeploymentWrite> {
        self.writers().get(writer)?.1.get(choice).copied()
    }

    fn writers(&self) -> Vec<(&'static str, Vec<DeploymentWrite>)> {
        let user = |name| {
            let mut writes: Vec<DeploymentWrite> = IMAGES
                .iter()
                .map(|&image| DeploymentWrite::Apply { name, image })
                .collect();
            writes.push(DeploymentWrite::Delete { name });
            writes
        };
        let mut writers = vec![
            ("alice", user(NAMES[0])),
            ("bob", user(NAMES[1])),
            (
                "autoscaler",
                NAMES
                    .iter()
                    .flat_map(|&name| {
                        (0..4).map(move |replicas| DeploymentWrite::Scale { name, replicas })
                    })
                    .collect(),
            ),
        ];
        if self.chaos {
            writers.push((
                "chaos",
                KILLED
                    .iter()
                    .map(|&pod| DeploymentWrite::Kill { pod })
                    .collect(),
            ));
        }
        writers
    }

    /// The scenario.
    ///
    /// # Examples
    ///
    /// See [`Deployments`].
    #[must_use]
    pub fn scenario(&self) -> Scenario {
        let injector = self.injector;
        let mut scenario = Scenario::new(move |store| desired(store, injector))
            .summary(move |store| summary(store, injector))
            .options(self.options);
        for (name, writes) in self.writers() {
            let writes = writes
                .iter()
                .map(|w| (w.to_string(), to_write(*w)))
                .collect();
            scenario = scenario.writer(name, writes);
        }
        let consumer = self.consumer;
        scenario = scenario.actor("controller", move || make(consumer));
        if self.injector {
            scenario = scenario.actor("injector", || {
                Box::new(Controller::new(Injector, controller_options()))
            });
        }
        scenario
    }
}

fn to_write(write: DeploymentWrite) -> Write {
    match write {
        DeploymentWrite::Apply { name, image } => {
            Write::Patch(deployment_key(name), Patch::apply(manifest(name, image)))
        }
        DeploymentWrite::Delete { name } => Write::Delete(deployment_key(name), None),
        DeploymentWrite::Scale { name, replicas } => Write::Patch(
            deployment_key(name),
            Patch::Merge(json!({"spec": {"replicas": replicas}})),
        ),
        DeploymentWrite::Kill { pod } => Write::Delete(Key::new("Pod", NAMESPACE, pod), None),
    }
}

fn deployment_key(name: &str) -> Key {
    Key::new("Deployment", NAMESPACE, name)
}

fn manifest(name: &str, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"app": name}},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
    })
}

fn pod_manifest(deployment: &Object, index: u64, image: &str) -> Value {
    let (name, uid) = (
        deployment.key().name(),
        &deployment.value()["metadata"]["uid"],
    );
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": format!("{name}-{index}"), "namespace": NAMESPACE,
            "labels": {"app": name},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                "name": name, "uid": uid, "controller": true}],
        },
        "spec": {"containers": [{"name": "app", "image": image}]},
    })
}

fn apply_pod(deployment: &Object, index: u64, image: &str) -> Write {
    Write::Patch(
        Key::new(
            "Pod",
            NAMESPACE,
            format!("{}-{index}", deployment.key().name()),
        ),
        Patch::apply_as(pod_manifest(deployment, index, image), PODS_ANNOTATION),
    )
}

/// `spec.replicas`, 1 when unset (as Kubernetes defaults it).
fn replicas(deployment: &Value) -> u64 {
    deployment["spec"]["replicas"].as_u64().unwrap_or(1)
}

/// The image of the container named `container`.
fn image<'v>(object: &'v Value, containers: &[&str], container: &str) -> Option<&'v str> {
    containers
        .iter()
        .try_fold(object, |v, k| v.get(k))?
        .as_array()?
        .iter()
        .find(|c| c["name"] == container)?
        .get("image")?
        .as_str()
}

fn deployment_image(deployment: &Value) -> &str {
    image(
        deployment,
        &["spec", "template", "spec", "containers"],
        "app",
    )
    .unwrap_or("")
}

fn pod_image(pod: &Value) -> &str {
    image(pod, &["spec", "containers"], "app").unwrap_or("")
}

/// The index of pod `<deployment>-<i>`.
fn pod_index(deployment: &str, pod: &str) -> Option<u64> {
    pod.strip_prefix(deployment)?
        .strip_prefix('-')?
        .parse()
        .ok()
}

fn controller_options() -> ControllerOptions {
    let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(4));
    ControllerOptions::new()
        .resync(Some(Duration::from_secs(10)))
        .watch_backoff(backoff)
        .retry_backoff(backoff)
}

fn make(consumer: PodKeeper) -> Box<dyn Consumer> {
    let options =
        EdgeOptions::new().backoff(Backoff::new(Duration::from_secs(1), Duration::from_secs(4)));
    match consumer {
        PodKeeper::Edge => Box::new(Edge::new(ReplicaDelta, EdgeMode::Naive, options)),
        PodKeeper::EdgeWithRelist => Box::new(Edge::new(
            ReplicaDelta,
            EdgeMode::GapDetecting,
            options.relist(Some(Duration::from_secs(30))),
        )),
        PodKeeper::Level => Box::new(Controller::new(ReplicaKeeper, controller_options())),
    }
}

/// The level-triggered pod keeper.
struct ReplicaKeeper;

impl Reconciler for ReplicaKeeper {
    fn watches(&self) -> Watches {
        Watches::new(Selector::kind("Deployment").namespace(NAMESPACE))
            .owns(Selector::kind("Pod").namespace(NAMESPACE))
    }

    fn reconcile(&mut self, key: &Key, view: &View<'_>) -> Result<Reconcile, Error> {
        let pods = view.owned_by(key);
        let mut reconcile = Reconcile::done();
        let Some(deployment) = view.get(key) else {
            for pod in pods {
                reconcile = reconcile.write(Write::Delete(
                    pod.key().clone(),
                    Some(pod.resource_version()),
                ));
            }
            return Ok(reconcile);
        };
        let (wanted, image) = (
            replicas(deployment.value()),
            deployment_image(deployment.value()),
        );
        for index in 0..wanted {
            let name = format!("{}-{index}", key.name());
            let current = pods.iter().find(|p| p.key().name() == name);
            if current.map(|p| pod_image(p.value())) != Some(image) {
                reconcile = reconcile.write(apply_pod(deployment, index, image));
            }
        }
        for pod in pods {
            if pod_index(key.name(), pod.key().name()).map_or(true, |i| i >= wanted) {
                reconcile = reconcile.write(Write::Delete(
                    pod.key().clone(),
                    Some(pod.resource_version()),
                ));
            }
        }
        Ok(reconcile)
    }
}

/// The edge-triggered pod keeper: acts on the change of `replicas` and of
/// the image between the last value kept and the new one.
struct ReplicaDelta;

impl EdgeHandler for ReplicaDelta {
    fn selector(&self) -> Selector {
        Selector::kind("Deployment").namespace(NAMESPACE)
    }

    fn on_change(&mut self, change: &Change) -> Vec<Write> {
        let state = |o: &Option<Object>| {
            o.as_ref().map_or((0, String::new()), |o| {
                (replicas(o.value()), deployment_image(o.value()).to_owned())
            })
        };
        let ((before, old_image), (after, new_image)) = (state(&change.old), state(&change.new));
        let name = change.key.name();
        let mut writes: Vec<Write> = match &change.new {
            Some(new) => (before..after)
                .map(|i| apply_pod(new, i, &new_image))
                .collect(),
            None => Vec::new(),
        };
        writes.extend(
            (after..before)
                .map(|i| Write::Delete(Key::new("Pod", NAMESPACE, format!("{name}-{i}")), None)),
        );
        if let (Some(new), true) = (&change.new, old_image != new_image) {
            writes.extend((0..before.min(after)).map(|i| apply_pod(new, i, &new_image)));
        }
        writes
    }
}

/// The sidecar injector: applies a `proxy` container and a label to every
/// Deployment, with its own annotation.
struct Injector;

impl Reconciler for Injector {
    fn watches(&self) -> Watches {
        Watches::new(Selector::kind("Deployment").namespace(NAMESPACE))
    }

    fn reconcile(&mut self, key: &Key, view: &View<'_>) -> Result<Reconcile, Error> {
        let Some(deployment) = view.get(key) else {
            return Ok(Reconcile::done());
        };
        if injected(deployment.value()) {
            return Ok(Reconcile::done());
        }
        // The uid it saw is a precondition: applying from a cache that has
        // not seen a deletion yet must not bring the Deployment back.
        let configuration = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": key.name(), "namespace": NAMESPACE,
                "uid": deployment.value()["metadata"]["uid"],
                "labels": {"injected": "true"}},
            "spec": {"template": {"spec": {"containers": [{"name": "proxy", "image": "proxy:1"}]}}},
        });
        Ok(Reconcile::done().write(Write::Patch(
            key.clone(),
            Patch::apply_as(configuration, INJECTOR_ANNOTATION),
        )))
    }
}

fn injected(deployment: &Value) -> bool {
    image(
        deployment,
        &["spec", "template", "spec", "containers"],
        "proxy",
    ) == Some("proxy:1")
        && deployment["metadata"]["labels"]["injected"] == "true"
}

fn desired(store: &dyn Store, injector: bool) -> Result<(), String> {
    let deployments = store
        .list(&Selector::kind("Deployment"), ReadAt::Latest)
        .map_err(|e| e.to_string())?
        .items;
    let pods = store
        .list(&Selector::kind("Pod"), ReadAt::Latest)
        .map_err(|e| e.to_string())?
        .items;
    for deployment in &deployments {
        let (name, value) = (deployment.key().name(), deployment.value());
        let (wanted, image) = (replicas(value), deployment_image(value));
        let mine: Vec<&Object> = pods
            .iter()
            .filter(|p| controller_owner(p).as_ref() == Some(deployment.key()))
            .collect();
        let right = mine.len() as u64 == wanted
            && mine.iter().all(|p| {
                pod_index(name, p.key().name()).is_some_and(|i| i < wanted)
                    && pod_image(p.value()) == image
            });
        if !right {
            return Err(format!(
                "{name} wants {wanted}×{image}, has {}",
                show_pods(&mine)
            ));
        }
        if injector && !injected(value) {
            return Err(format!("{name} has no proxy"));
        }
    }
    let orphans: Vec<&Object> = pods
        .iter()
        .filter(|p| {
            controller_owner(p).map_or(true, |owner| !deployments.iter().any(|d| d.key() == &owner))
        })
        .collect();
    if orphans.is_empty() {
        Ok(())
    } else {
        Err(format!("orphan pods {}", show_pods(&orphans)))
    }
}

fn show_pods(pods: &[&Object]) -> String {
    if pods.is_empty() {
        return "no pods".to_owned();
    }
    let shown: Vec<String> = pods
        .iter()
        .map(|p| format!("{} {}", p.key().name(), pod_image(p.value())))
        .collect();
    shown.join(", ")
}

/// `web 2×app:1 [web-0 web-1]`, for traces.
fn summary(store: &dyn Store, injector: bool) -> String {
    let list = |kind: &str| {
        store
            .list(&Selector::kind(kind), ReadAt::Latest)
            .map(|l| l.items)
            .unwrap_or_default()
    };
    let (deployments, pods) = (list("Deployment"), list("Pod"));
    let mut parts: Vec<String> = deployments
        .iter()
        .map(|d| {
            let mine: Vec<String> = pods
                .iter()
                .filter(|p| controller_owner(p).as_ref() == Some(d.key()))
                .map(|p| {
                    let image = pod_image(p.value());
                    if image == deployment_image(d.value()) {
                        p.key().name().to_owned()
                    } else {
                        format!("{}({image})", p.key().name())
                    }
                })
                .collect();
            format!(
                "{} {}×{}{} [{}]",
                d.key().name(),
                replicas(d.value()),
                deployment_image(d.value()),
                if injector && injected(d.value()) {
                    "+proxy"
                } else {
                    ""
                },
                mine.join(" ")
            )
        })
        .collect();
    let orphans: Vec<&str> = pods
        .iter()
        .filter(|p| {
            controller_owner(p).map_or(true, |owner| !deployments.iter().any(|d| d.key() == &owner))
        })
        .map(|p| p.key().name())
        .collect();
    if !orphans.is_empty() {
        parts.push(format!("orphans [{}]", orphans.join(" ")));
    }
    if parts.is_empty() {
        "empty".to_owned()
    } else {
        parts.join(" · ")
    }
}
