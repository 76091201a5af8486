//! Embeds the vector files in the crate, so that an installed
//! `patchlaw-conformance` runs them from any directory: writes
//! `$OUT_DIR/vectors.rs`, a list of `(path under vectors/, text)` pairs
//! read with `include_str!`.

use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let vectors = root.join("vectors");
    println!("cargo:rerun-if-changed={}", vectors.display());
    let mut files = Vec::new();
    collect(&vectors, &mut files);
    files.sort();
    let mut out = String::from("&[\n");
    for file in files {
        let relative = file.strip_prefix(&vectors).expect("under vectors/");
        let relative = relative.to_string_lossy().replace('\\', "/");
        out.push_str(&format!(
            "    ({relative:?}, include_str!({:?})),\n",
            file.display().to_string()
        ));
    }
    out.push_str("]\n");
    let target =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it")).join("vectors.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the vectors directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
}
