//! Random pointers, operations and patches for property testing and
//! fuzzing of code that uses this crate: `arbitrary::Arbitrary` (feature
//! `arbitrary`) and `quickcheck::Arbitrary` (feature `quickcheck`) for
//! [`PointerBuf`], [`Operation`] and [`Patch`].
//!
//! The values are biased towards what exercises patch code: member names
//! that need escaping (`a/b`, `~`, `""`), tokens that look like array
//! indices (`0`, `01`, `-`), and small nested JSON values of every kind.

use serde_json::{Map, Value};

use crate::json_patch::{Operation, Patch};
use crate::pointer::PointerBuf;

/// Names tests are most interested in; picked most of the time.
const TOKENS: [&str; 12] = [
    "a", "b", "c", "0", "1", "-", "01", "", "a/b", "~", "~1", "é",
];

/// A source of choices: the one thing `arbitrary` and `quickcheck` have in
/// common, so that each generator is written once.
trait Choices {
    fn below(&mut self, n: usize) -> usize;
    fn text(&mut self) -> String;
    fn number(&mut self) -> Value;
}

fn token(c: &mut impl Choices) -> String {
    if c.below(4) == 0 {
        c.text()
    } else {
        TOKENS[c.below(TOKENS.len())].to_owned()
    }
}

fn pointer(c: &mut impl Choices) -> PointerBuf {
    let len = c.below(4);
    PointerBuf::from_tokens((0..len).map(|_| token(c)))
}

fn value(c: &mut impl Choices, depth: usize) -> Value {
    match c.below(if depth == 0 { 4 } else { 6 }) {
        0 => Value::Null,
        1 => Value::Bool(c.below(2) == 1),
        2 => c.number(),
        3 => Value::String(token(c)),
        4 => Value::Array((0..c.below(4)).map(|_| value(c, depth - 1)).collect()),
        _ => Value::Object(
            (0..c.below(4))
                .map(|_| (token(c), value(c, depth - 1)))
                .collect::<Map<_, _>>(),
        ),
    }
}

fn operation(c: &mut impl Choices) -> Operation {
    let path = pointer(c);
    match c.below(6) {
        0 => Operation::Add {
            path,
            value: value(c, 3),
        },
        1 => Operation::Remove { path },
        2 => Operation::Replace {
            path,
            value: value(c, 3),
        },
        3 => Operation::Move {
            from: pointer(c),
            path,
        },
        4 => Operation::Copy {
            from: pointer(c),
            path,
        },
        _ => Operation::Test {
            path,
            value: value(c, 3),
        },
    }
}

fn patch(c: &mut impl Choices) -> Patch {
    (0..c.below(8)).map(|_| operation(c)).collect()
}

#[cfg(feature = "arbitrary")]
mod with_arbitrary {
    use arbitrary::{Arbitrary, Result, Unstructured};
    use serde_json::Value;

    use super::{operation, patch, pointer, Choices};
    use crate::json_patch::{Operation, Patch};
    use crate::pointer::PointerBuf;

    /// Choices from fuzzer bytes; once the bytes run out every choice is 0,
    /// so generation always ends.
    struct Bytes<'u, 'a>(&'u mut Unstructured<'a>);

    impl Choices for Bytes<'_, '_> {
        fn below(&mut self, n: usize) -> usize {
            if n <= 1 {
                return 0;
            }
            self.0.int_in_range(0..=n - 1).unwrap_or(0)
        }

        fn text(&mut self) -> String {
            <String as Arbitrary>::arbitrary(self.0).unwrap_or_default()
        }

        fn number(&mut self) -> Value {
            match self.below(3) {
                0 => Value::from(i64::arbitrary(self.0).unwrap_or(0)),
                1 => Value::from(u64::arbitrary(self.0).unwrap_or(0)),
                _ => serde_json::Number::from_f64(f64::arbitrary(self.0).unwrap_or(0.0))
                    .map_or(Value::Null, Value::Number),
            }
        }
    }

    impl<'a> Arbitrary<'a> for PointerBuf {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<PointerBuf> {
            Ok(pointer(&mut Bytes(u)))
        }
    }

    impl<'a> Arbitrary<'a> for Operation {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Operation> {
            Ok(operation(&mut Bytes(u)))
        }
    }

    impl<'a> Arbitrary<'a> for Patch {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Patch> {
            Ok(patch(&mut Bytes(u)))
        }
    }
}

#[cfg(feature = "quickcheck")]
mod with_quickcheck {
    use quickcheck::{Arbitrary, Gen};
    use serde_json::Value;

    use super::{operation, patch, pointer, Choices};
    use crate::json_patch::{Operation, Patch};
    use crate::pointer::PointerBuf;

    struct Generator<'g>(&'g mut Gen);

    impl Choices for Generator<'_> {
        fn below(&mut self, n: usize) -> usize {
            if n <= 1 {
                return 0;
            }
            usize::arbitrary(self.0) % n
        }

        fn text(&mut self) -> String {
            String::arbitrary(self.0)
        }

        fn number(&mut self) -> Value {
            match self.below(3) {
                0 => Value::from(i64::arbitrary(self.0)),
                1 => Value::from(u64::arbitrary(self.0)),
                _ => serde_json::Number::from_f64(f64::arbitrary(self.0))
                    .map_or(Value::Null, Value::Number),
            }
        }
    }

    impl Arbitrary for PointerBuf {
        fn arbitrary(g: &mut Gen) -> PointerBuf {
            pointer(&mut Generator(g))
        }

        fn shrink(&self) -> Box<dyn Iterator<Item = PointerBuf>> {
            let tokens = self.tokens().to_vec();
            Box::new(
                (0..tokens.len())
                    .rev()
                    .map(move |n| PointerBuf::from_tokens(tokens[..n].iter().cloned())),
            )
        }
    }

    impl Arbitrary for Operation {
        fn arbitrary(g: &mut Gen) -> Operation {
            operation(&mut Generator(g))
        }
    }

    impl Arbitrary for Patch {
        fn arbitrary(g: &mut Gen) -> Patch {
            patch(&mut Generator(g))
        }

        fn shrink(&self) -> Box<dyn Iterator<Item = Patch>> {
            let operations = self.to_vec();
            Box::new(operations.shrink().map(Patch::from))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed sequence of choices, enough to check the generators cover
    /// every operation and end on exhausted input.
    struct Counter(usize);

    impl Choices for Counter {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n.max(1)
        }
        fn text(&mut self) -> String {
            "t".repeat(self.below(3))
        }
        fn number(&mut self) -> Value {
            Value::from(self.below(100))
        }
    }

    #[test]
    fn every_operation_is_generated() {
        let mut choices = Counter(7);
        let names: std::collections::BTreeSet<&str> =
            (0..200).map(|_| operation(&mut choices).name()).collect();
        assert_eq!(names.len(), 6, "{names:?}");
        let patch = patch(&mut choices);
        assert_eq!(Patch::from_value(&patch.to_value()).as_ref(), Ok(&patch));
    }
}
