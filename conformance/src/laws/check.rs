//! A law paired with the cases it is checked on, declared once.
//!
//! Each area module of [`laws`](super) declares each of its laws once, as a
//! `static` [`Check`] (written with the `declare_checks!` macro below): the
//! law's ID, the operations it needs, its cases (a generator of
//! [`strategy`](crate::strategy), or one fixed case) and the law function
//! that judges one case. Everything that checks a law runs that
//! declaration: the property tests (`conformance/tests/laws/`) through
//! [`LawCheck::run`], `patchlaw-conformance run --laws` through
//! [`LawCheck::check`], and the fuzz targets (`fuzz/`) through
//! [`Check::holds`] on cases read from their input.

use std::cell::RefCell;
use std::fmt;

use proptest::strategy::{BoxedStrategy, Just, Strategy};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use super::Violation;
use crate::implementation::{Implementation, Op};

/// A law with the cases it is checked on.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::{laws::merge_patch, Native};
/// use serde_json::json;
///
/// let check = &merge_patch::IDEMPOTENT;
/// assert_eq!(check.id, "LAW-MP-IDEMPOTENT");
/// check.holds(&mut Native::new(), &(json!({"a": 1}), json!({"a": null, "b": [1]})))?;
/// # Ok::<(), patchlaw_conformance::laws::Violation>(())
/// ```
pub struct Check<T: 'static> {
    /// The law's ID, e.g. `LAW-MP-IDEMPOTENT`.
    pub id: &'static str,
    /// The operations the law calls through the implementation. A law that
    /// calls none is about patchlaw's own in-place API (atomicity, inverse
    /// patches, serde), which the adapter protocol cannot observe: it checks
    /// patchlaw whatever implementation is under test
    /// ([`LawCheck::in_place`]).
    pub ops: &'static [Op],
    /// The cases the law is checked on.
    pub cases: Cases<T>,
    /// The law on one case: the area's law function, given the case's parts.
    pub law: fn(&mut dyn Implementation, &T) -> Result<(), Violation>,
}

/// Where the cases of a [`Check`] come from.
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::laws::{limits, Cases};
///
/// assert!(matches!(limits::DEPTH.cases, Cases::Fixed(_)));
/// ```
pub enum Cases<T: 'static> {
    /// Drawn from a proptest generator, and shrunk when one fails.
    Generated(fn() -> BoxedStrategy<T>),
    /// One case, checked once whatever the number of cases asked for: a
    /// law about a limit, checked just past the limit.
    Fixed(T),
}

impl<T: Clone + fmt::Debug + 'static> Check<T> {
    /// Checks the law on one case.
    ///
    /// # Errors
    ///
    /// The violation, when the case breaks the law.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::{laws::pointer, Native};
    ///
    /// pointer::STRICT_INDEX.holds(&mut Native::new(), &(3, "01".to_owned()))?;
    /// # Ok::<(), patchlaw_conformance::laws::Violation>(())
    /// ```
    pub fn holds(&self, imp: &mut dyn Implementation, case: &T) -> Result<(), Violation> {
        (self.law)(imp, case)
    }

    /// The cases as a proptest strategy (one value for a fixed case).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::laws::json_patch;
    /// use proptest::prelude::*;
    ///
    /// proptest!(ProptestConfig::with_cases(16), |((doc, p, q) in json_patch::CONCAT.strategy())| {
    ///     json_patch::concat_index(&doc, &p, &q).unwrap();
    /// });
    /// ```
    pub fn strategy(&self) -> BoxedStrategy<T> {
        match &self.cases {
            Cases::Generated(cases) => cases(),
            Cases::Fixed(case) => Just(case.clone()).boxed(),
        }
    }
}

/// A [`Check`] of any case type, as [`catalogue`](super::catalogue) lists
/// it: ready to run on any implementation.
#[derive(Clone)]
pub struct LawCheck {
    /// The law's ID.
    pub id: &'static str,
    /// The operations the law needs.
    pub ops: &'static [Op],
    /// Whether the law is about patchlaw's own in-place API (it needs no
    /// operation): such a law checks patchlaw whatever implementation is
    /// under test.
    pub in_place: bool,
    check: &'static dyn RunCases,
}

impl LawCheck {
    /// Checks the law on `cases` generated cases, from a fixed seed so that
    /// two runs check the same cases. `Err` holds the shrunk failing case.
    ///
    /// # Errors
    ///
    /// A description of the minimal failing case found.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::{laws, Native};
    ///
    /// let mut native = Native::new();
    /// for law in laws::catalogue() {
    ///     law.check(&mut native, 16).unwrap();
    /// }
    /// ```
    pub fn check(&self, imp: &mut dyn Implementation, cases: u32) -> Result<(), String> {
        let config = Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
        self.run(&mut runner, &mut [imp])
    }

    /// Checks the law with `runner` (its number of cases, its random source
    /// and its file of regression seeds), running each case on each of
    /// `imps` in turn. `Err` holds the shrunk failing case.
    ///
    /// # Errors
    ///
    /// A description of the minimal failing case found.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::{laws, Implementation, Native};
    /// use proptest::test_runner::TestRunner;
    ///
    /// let law = laws::catalogue().into_iter().find(|l| l.id == "LAW-MP-IDEMPOTENT").unwrap();
    /// let (mut by_value, mut by_reference) = (Native::new(), Native::new().by_reference());
    /// let imps: &mut [&mut dyn Implementation] = &mut [&mut by_value, &mut by_reference];
    /// law.run(&mut TestRunner::deterministic(), imps).unwrap();
    /// ```
    pub fn run(
        &self,
        runner: &mut TestRunner,
        imps: &mut [&mut dyn Implementation],
    ) -> Result<(), String> {
        self.check.run(runner, imps)
    }
}

impl<T: Clone + fmt::Debug + 'static> From<&'static Check<T>> for LawCheck {
    fn from(check: &'static Check<T>) -> LawCheck {
        LawCheck {
            id: check.id,
            ops: check.ops,
            in_place: check.ops.is_empty(),
            check,
        }
    }
}

impl fmt::Debug for LawCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LawCheck")
            .field("id", &self.id)
            .field("ops", &self.ops)
            .finish()
    }
}

/// A [`Check`] with its case type hidden.
trait RunCases {
    fn run(
        &self,
        runner: &mut TestRunner,
        imps: &mut [&mut dyn Implementation],
    ) -> Result<(), String>;
}

impl<T: Clone + fmt::Debug + 'static> RunCases for Check<T> {
    fn run(
        &self,
        runner: &mut TestRunner,
        imps: &mut [&mut dyn Implementation],
    ) -> Result<(), String> {
        let cases = match &self.cases {
            Cases::Generated(cases) => cases(),
            Cases::Fixed(case) => {
                return imps
                    .iter_mut()
                    .try_for_each(|imp| self.holds(&mut **imp, case))
                    .map_err(|v| v.to_string())
            }
        };
        let imps = RefCell::new(imps);
        let outcome = runner.run(&cases, |case| {
            imps.borrow_mut()
                .iter_mut()
                .try_for_each(|imp| self.holds(&mut **imp, &case))
                .map_err(|v| TestCaseError::fail(v.to_string()))
        });
        match outcome {
            Ok(()) => Ok(()),
            Err(TestError::Fail(why, case)) => Err(format!("{why}\n    minimal case: {case:?}")),
            Err(TestError::Abort(why)) => Err(format!("aborted: {why}")),
        }
    }
}

/// Declares the laws of an area module: for each law a `pub static`
/// [`Check`], and the module's `checks()`, which lists them in order for
/// [`catalogue`](super::catalogue). An entry reads
///
/// ```text
/// NAME: CaseType = ("<law ID>", [Op, …]) on generator, |imp, case| law(…);
/// NAME: CaseType = ("<law ID>", [Op, …]) at case, |imp, case| law(…);
/// NAME: CaseType = check;
/// ```
///
/// with the cases drawn from a proptest `generator` (`on`) or one fixed
/// `case` (`at`), and a closure that calls the law function with the
/// case's parts; or a `Check` built some other way (for laws that share
/// all but their ID and law function).
macro_rules! declare_checks {
    (@entries [$($done:ident)*]
        $(#[$doc:meta])*
        $name:ident: $case:ty = ($id:literal, [$($op:ident),*]) $from:ident $cases:expr, $law:expr;
        $($rest:tt)*
    ) => {
        $(#[$doc])*
        pub static $name: $crate::laws::Check<$case> = $crate::laws::Check {
            id: $id,
            ops: &[$($crate::implementation::Op::$op),*],
            cases: $crate::laws::declare_checks!(@$from $cases),
            law: $law,
        };
        $crate::laws::declare_checks!(@entries [$($done)* $name] $($rest)*);
    };
    (@entries [$($done:ident)*]
        $(#[$doc:meta])*
        $name:ident: $case:ty = $check:expr;
        $($rest:tt)*
    ) => {
        $(#[$doc])*
        pub static $name: $crate::laws::Check<$case> = $check;
        $crate::laws::declare_checks!(@entries [$($done)* $name] $($rest)*);
    };
    (@entries [$($done:ident)*]) => {
        /// The declarations of this module, in order.
        pub(crate) fn checks() -> Vec<$crate::laws::LawCheck> {
            vec![$($crate::laws::LawCheck::from(&$done)),*]
        }
    };
    (@on $generator:expr) => {
        $crate::laws::Cases::Generated(|| proptest::strategy::Strategy::boxed($generator))
    };
    (@at $case:expr) => {
        $crate::laws::Cases::Fixed($case)
    };
    ($($entries:tt)*) => {
        $crate::laws::declare_checks!(@entries [] $($entries)*);
    };
}
pub(crate) use declare_checks;
