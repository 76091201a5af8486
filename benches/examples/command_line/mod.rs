//! The command line the counting examples share: `<what> [<count>] …`.

/// The first argument (`default` when there is none), the second as a
/// count (200 when there is none), and the arguments after them.
///
/// # Panics
///
/// If the second argument is not a count.
pub(crate) fn read(default: &str) -> (String, usize, impl Iterator<Item = String>) {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| default.to_owned());
    let times = args.next().map_or(200, |n| n.parse().expect("a count"));
    (what, times, args)
}
