use patchlaw::{ErrorKind, Pointer, PointerBuf};
use serde_json::json;

fn code(pointer: &str, doc: &serde_json::Value) -> &'static str {
    match PointerBuf::parse(pointer) {
        Err(e) => e.kind().code(),
        Ok(p) => p.get(doc).map_or_else(|e| e.kind().code(), |_| "ok"),
    }
}

#[test]
fn syntax() {
    for bad in ["a", "a/b", "#/a", "/~", "/~2", "/a~", "/a~b", "/~~0"] {
        let err = PointerBuf::parse(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidPointer, "{bad}");
        assert_eq!(err.pointer(), Some(bad));
    }
    assert!(PointerBuf::parse("").unwrap().is_root());
    assert_eq!(PointerBuf::parse("/").unwrap().tokens(), [""]);
    assert_eq!(PointerBuf::parse("//").unwrap().tokens(), ["", ""]);
    assert_eq!(PointerBuf::parse("/a~1b~0c").unwrap().tokens(), ["a/b~c"]);
}

#[test]
fn each_failure_has_its_kind() {
    let doc = json!({"a": [10, {"b": null}], "s": "text", "n": 1, "01": "member", "-": "dash"});
    assert_eq!(code("/a/1/b", &doc), "ok");
    assert_eq!(code("/01", &doc), "ok");
    assert_eq!(code("/-", &doc), "ok");
    assert_eq!(code("/x", &doc), "path-not-found");
    assert_eq!(code("/a/1/c", &doc), "path-not-found");
    assert_eq!(code("/a/01", &doc), "invalid-index");
    assert_eq!(code("/a/-", &doc), "invalid-index");
    assert_eq!(code("/a/+1", &doc), "invalid-index");
    assert_eq!(code("/a/", &doc), "invalid-index");
    assert_eq!(code("/a/2", &doc), "index-out-of-bounds");
    assert_eq!(code("/a/18446744073709551616", &doc), "index-out-of-bounds");
    assert_eq!(code("/s/0", &doc), "not-a-container");
    assert_eq!(code("/n/x", &doc), "not-a-container");
    assert_eq!(code("/a/1/b/c", &doc), "not-a-container");
}

#[test]
fn errors_say_which_token_failed() {
    let doc = json!({"a": {"b": [1]}});
    let err = PointerBuf::parse("/a/b/7").unwrap().get(&doc).unwrap_err();
    assert_eq!(err.pointer(), Some("/a/b/7"));
    assert!(err.detail().contains("token 3"), "{}", err.detail());
    assert!(err.detail().contains("\"7\""), "{}", err.detail());
}

#[test]
fn get_mut_follows_the_same_rules() {
    let mut doc = json!({"a": [1, 2]});
    *PointerBuf::parse("/a/1")
        .unwrap()
        .get_mut(&mut doc)
        .unwrap() = json!(3);
    assert_eq!(doc, json!({"a": [1, 3]}));
    let err = PointerBuf::parse("/a/-")
        .unwrap()
        .get_mut(&mut doc)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidIndex);
    *PointerBuf::new().get_mut(&mut doc).unwrap() = json!(null);
    assert_eq!(doc, json!(null));
}

/// RFC 6901 §6: the URI fragment representation.
#[test]
fn uri_fragments() {
    let doc = json!({"foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8});
    let cases = [
        ("#", doc.clone()),
        ("#/foo", json!(["bar", "baz"])),
        ("#/foo/0", json!("bar")),
        ("#/", json!(0)),
        ("#/a~1b", json!(1)),
        ("#/c%25d", json!(2)),
        ("#/e%5Ef", json!(3)),
        ("#/g%7Ch", json!(4)),
        ("#/i%5Cj", json!(5)),
        ("#/k%22l", json!(6)),
        ("#/%20", json!(7)),
        ("#/m~0n", json!(8)),
    ];
    for (fragment, expected) in cases {
        let pointer = PointerBuf::parse_uri_fragment(fragment).unwrap();
        assert_eq!(pointer.get(&doc).unwrap(), &expected, "{fragment}");
    }
    for bad in [
        "/foo", "#foo", "#/%", "#/%2", "#/%zz", "#/%+1", "#/%ff", "#/~2",
    ] {
        let err = PointerBuf::parse_uri_fragment(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidPointer, "{bad}");
    }
}

#[test]
fn prefixes_are_token_wise() {
    let p = |s: &str| PointerBuf::parse(s).unwrap();
    assert!(p("/a/b").starts_with(&p("/a")));
    assert!(!p("/ab").starts_with(&p("/a")));
    assert!(p("/a").starts_with(Pointer::root()));
    assert!(p("/a").is_proper_prefix_of(&p("/a/0")));
    assert!(!p("/a").is_proper_prefix_of(&p("/a")));
    assert!(!p("/a/0").is_proper_prefix_of(&p("/a")));
    assert!(Pointer::root().is_proper_prefix_of(&p("/")));
}

#[test]
fn building_and_slicing() {
    let mut p = PointerBuf::new();
    p.push("a/b");
    p.push("~");
    p.push("");
    assert_eq!(p.to_string(), "/a~1b/~0/");
    assert_eq!(p.len(), 3);
    assert_eq!(p.last(), Some(""));
    assert_eq!(p.parent().unwrap().to_string(), "/a~1b/~0");
    assert_eq!(p.pop().as_deref(), Some(""));
    assert_eq!(p, "/a~1b/~0");
    assert_eq!(PointerBuf::from(p.parent().unwrap()).to_string(), "/a~1b");
    assert_eq!(format!("{p:?}"), "PointerBuf(\"/a~1b/~0\")");
}

#[test]
fn serde_round_trip() {
    let p = PointerBuf::parse("/spec/containers/0/env/a~1b").unwrap();
    let text = serde_json::to_string(&p).unwrap();
    assert_eq!(text, "\"/spec/containers/0/env/a~1b\"");
    assert_eq!(serde_json::from_str::<PointerBuf>(&text).unwrap(), p);
    assert!(serde_json::from_str::<PointerBuf>("\"no-slash\"").is_err());
    assert!(serde_json::from_str::<PointerBuf>("5").is_err());
}
