//! LAW-TW-*: spec/50-three-way.md.

law_tests! {
    converges: "LAW-TW-CONVERGES",
    deletes_dropped: "LAW-TW-DELETES-DROPPED",
    preserves_others: "LAW-TW-PRESERVES-OTHERS",
    stable: "LAW-TW-STABLE",
    reduces_to_two_way: "LAW-TW-REDUCES-TO-TWO-WAY",
    conflict: "LAW-TW-CONFLICT",
    disjoint_appliers: "LAW-TW-DISJOINT-APPLIERS",
}
