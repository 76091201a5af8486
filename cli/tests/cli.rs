//! The command line over real files: each case in `tests/cmd/` is a
//! command, its input files and its expected output, exit status and
//! files (trycmd); `TRYCMD=overwrite` rewrites the expectations.

#[test]
fn commands() {
    trycmd::TestCases::new().case("tests/cmd/*.toml");
}
