//! Where patchlaw reproduces Go itself.
//!
//! apimachinery's `strategicpatch` is Go code, and some of its results are
//! decided not by its own rules but by the Go language and standard library
//! underneath them:
//!
//! - it decodes JSON into `interface{}` values and compares them with Go's
//!   `==`, so an integer (`int64`) never equals a float (`float64`), even
//!   `1` and `1.0`, and it matches list elements by the text `%v` prints
//!   for them (`value.rs`);
//! - it sorts with `sort.Sort` and `sort.SliceStable` under comparators
//!   that are not always consistent (or that call equal elements "less"),
//!   so where equal elements end up depends on the exact algorithm:
//!   pattern-defeating quicksort (`sort.rs`) and insertion sort with
//!   `symMerge` (`stable.rs`);
//! - kubectl writes the last-applied configuration with `encoding/json`,
//!   whose text (member order, escapes, number forms) is compared byte for
//!   byte (`json.rs`);
//! - it finds the struct field of a JSON member as `encoding/json` does,
//!   case-insensitively, and quotes names in its errors with
//!   `strconv.Quote` (`names.rs`);
//! - it edits slices in place, and a slice that shares its backing array
//!   with the live list lets those edits show in the order it later sorts
//!   by, which depends on the capacities Go's `append` chose (`slice.rs`).
//!
//! The Go is that of kubectl v1.32 (built with Go 1.23): each file names
//! the Go function it ports. Kubernetes' own rules, written in terms of
//! these pieces, are in the strategic modules beside this one
//! (`list_order` for the order of merged lists).

pub(crate) mod json;
mod names;
mod slice;
mod sort;
mod stable;
mod value;

pub(crate) use names::{equal_fold, quote};
pub(crate) use slice::{decoded_capacity, deduplicate, View};
pub(crate) use sort::go_sort;
pub(crate) use stable::stable_sort;
pub(crate) use value::{element_type, go_equal, go_text, key_text, same_text, GoType, Key};
