use patchlaw::{Error, ErrorKind, PointerBuf};

fn assert_traits<T: Clone + Send + Sync + std::error::Error + 'static>() {}

#[test]
fn error_is_a_well_behaved_error_type() {
    assert_traits::<Error>();
    assert!(std::mem::size_of::<Error>() <= std::mem::size_of::<usize>());
    assert!(std::mem::size_of::<Result<(), Error>>() <= std::mem::size_of::<usize>());
}

#[test]
fn display_is_lower_case_and_names_the_place() {
    let err = PointerBuf::parse("/a/5")
        .unwrap()
        .get(&serde_json::json!({"a": [1]}))
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(
        text,
        "array index out of bounds at \"/a/5\": token 2 (\"5\"): the array has 1 elements"
    );
    assert!(text.starts_with(char::is_lowercase));
    assert!(!text.ends_with('.'));
}

#[test]
fn codes_are_the_protocol_codes() {
    let codes: Vec<&str> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
    assert_eq!(
        codes,
        [
            "invalid-patch",
            "invalid-pointer",
            "path-not-found",
            "invalid-index",
            "index-out-of-bounds",
            "not-a-container",
            "test-failed",
            "move-into-descendant",
            "missing-merge-key",
            "invalid-directive",
            "unknown-field",
            "type-mismatch",
            "unrepresentable",
            "conflict",
            "precondition-failed",
            "limit-exceeded",
        ]
    );
    assert_eq!(ErrorKind::InvalidIndex.to_string(), "invalid-index");
}
