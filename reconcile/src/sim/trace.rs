//! Traces: what happened at each step of a run, as a table.

use std::fmt;

/// What a run did, line by line, and how it ended.
///
/// Its `Display` form is a table with a column for the step of the
/// schedule (`+` for the quiet tail), the tick, the actor, the event, and
/// the state after the step.
///
/// # Examples
///
/// ```
/// use patchlaw_reconcile::sim::{Trace, TraceLine};
///
/// let trace = Trace {
///     lines: vec![TraceLine { step: Some(1), tick: 0, actor: "user".to_owned(),
///         event: "apply web → rv 1".to_owned(), state: "web 1×app:1 · pods none".to_owned() }],
///     outcome: "desired".to_owned(),
/// };
/// let text = trace.to_string();
/// assert!(text.contains("   1     0  user   apply web → rv 1  web 1×app:1 · pods none"));
/// assert!(text.ends_with("desired\n"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// The lines.
    pub lines: Vec<TraceLine>,
    /// How the run ended.
    pub outcome: String,
}

/// One line of a [`Trace`].
///
/// # Examples
///
/// See [`Trace`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceLine {
    /// The step of the schedule (0 for the start), or `None` in the quiet
    /// tail.
    pub step: Option<usize>,
    /// The tick.
    pub tick: u64,
    /// Who: a writer, an actor, or `store`.
    pub actor: String,
    /// What happened.
    pub event: String,
    /// The state after the step, on its last line.
    pub state: String,
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let actor = self
            .lines
            .iter()
            .map(|l| l.actor.chars().count())
            .max()
            .unwrap_or(0)
            .max("actor".len());
        let event = self
            .lines
            .iter()
            .map(|l| l.event.chars().count())
            .max()
            .unwrap_or(0)
            .clamp("event".len(), 72);
        writeln!(
            f,
            "step  tick  {:actor$}  {:event$}  state",
            "actor", "event"
        )?;
        for line in &self.lines {
            let step = match line.step {
                Some(step) => step.to_string(),
                None => "+".to_owned(),
            };
            let text = format!(
                "{step:>4}  {:>4}  {:actor$}  {:event$}  {}",
                line.tick, line.actor, line.event, line.state
            );
            writeln!(f, "{}", text.trim_end())?;
        }
        writeln!(f, "{}", self.outcome)
    }
}
