//! The seeded random source of the generators that build a case from a
//! seed, of the kubectl differential tests and of the benchmark workloads.
//!
//! Where one choice depends on another (a patch names the containers its
//! object has, a `$setElementOrder` lists the keys its patch list holds),
//! a generator draws a seed from proptest and expands it with a small
//! deterministic builder that makes the choices from a [`SplitMix64`].
//! The same seed always gives the same case, on every machine.

use serde_json::{Map, Value};

/// Sebastiano Vigna's [SplitMix64]: a tiny, seedable generator of 64-bit
/// numbers, fully deterministic, good enough to vary generated cases and
/// workloads (not for cryptography).
///
/// [SplitMix64]: https://prng.di.unimi.it/splitmix64.c
///
/// # Examples
///
/// ```
/// use patchlaw_conformance::strategy::random::SplitMix64;
///
/// let mut rng = SplitMix64::new(7);
/// let port = *rng.pick(&[80, 443, 8080]);
/// assert!([80, 443, 8080].contains(&port));
/// assert!(rng.below(10) < 10);
/// // The same seed gives the same choices.
/// assert_eq!(SplitMix64::new(7).next_u64(), SplitMix64::new(7).next_u64());
/// ```
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// The generator seeded with `seed`.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::strategy::random::SplitMix64;
    /// assert_ne!(SplitMix64::new(1).next_u64(), SplitMix64::new(2).next_u64());
    /// ```
    #[must_use]
    pub const fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next number.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::strategy::random::SplitMix64;
    /// // The first output for seed 0, as in the reference implementation.
    /// assert_eq!(SplitMix64::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
    /// ```
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (with a negligible modulo bias); 0 when `n` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::strategy::random::SplitMix64;
    /// let mut rng = SplitMix64::new(3);
    /// assert!(rng.below(6) < 6);
    /// assert_eq!(rng.below(0), 0);
    /// ```
    pub fn below(&mut self, n: usize) -> usize {
        // `n` fits in a u64, and the remainder is below `n`.
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// `true` with a chance of `percent` in 100.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::strategy::random::SplitMix64;
    /// let mut rng = SplitMix64::new(3);
    /// assert!(rng.chance(100));
    /// assert!(!rng.chance(0));
    /// ```
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One of `items`.
    ///
    /// # Panics
    ///
    /// When `items` is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::strategy::random::SplitMix64;
    /// assert_eq!(*SplitMix64::new(3).pick(&["only"]), "only");
    /// ```
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Puts `items` in a random order (Fisher–Yates).
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::strategy::random::SplitMix64;
    /// let mut items = [1, 2, 3, 4];
    /// SplitMix64::new(3).shuffle(&mut items);
    /// items.sort_unstable();
    /// assert_eq!(items, [1, 2, 3, 4]);
    /// ```
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// Between `min` and all of `items`, distinct, in a random order.
    ///
    /// # Panics
    ///
    /// When `items` has fewer than `min` items.
    ///
    /// # Examples
    ///
    /// ```
    /// use patchlaw_conformance::strategy::random::SplitMix64;
    /// let some = SplitMix64::new(3).subset(&["a", "b", "c"], 1);
    /// assert!((1..=3).contains(&some.len()));
    /// ```
    pub fn subset<T: Clone>(&mut self, items: &[T], min: usize) -> Vec<T> {
        let mut all = items.to_vec();
        self.shuffle(&mut all);
        let n = min + self.below(items.len() - min + 1);
        all.truncate(n);
        all
    }
}

// ---------------------------------------------------------------------------
// JSON values chosen by a SplitMix64, for the builders

/// One of `words`, as a JSON string.
pub(crate) fn word(d: &mut SplitMix64, words: &[&str]) -> Value {
    Value::from(*d.pick(words))
}

/// A map of one to `max` of `keys` (in a random order), each to one of
/// `values`.
pub(crate) fn string_map(
    d: &mut SplitMix64,
    keys: &[&str],
    values: &[&str],
    max: usize,
) -> Map<String, Value> {
    let mut chosen = keys.to_vec();
    d.shuffle(&mut chosen);
    chosen
        .into_iter()
        .take(1 + d.below(max))
        .map(|k| (k.to_owned(), Value::from(*d.pick(values))))
        .collect()
}

/// `items` as JSON strings.
pub(crate) fn strs(items: &[&str]) -> Vec<Value> {
    items.iter().map(|s| Value::from(*s)).collect()
}

/// `items` as JSON numbers.
pub(crate) fn ints(items: &[i64]) -> Vec<Value> {
    items.iter().map(|&i| Value::from(i)).collect()
}
