//! The command line, as clap definitions: the help text, the completions
//! and the man page all come from here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Diff, patch and plan JSON and YAML as Kubernetes does: JSON Patch
/// (RFC 6902), merge patch (RFC 7396), strategic merge patch, and the
/// three-way patch of `kubectl apply`, offline.
///
/// Exit status, as diff(1): 0 no difference, 1 differences, 2 trouble.
#[derive(Debug, Parser)]
#[command(name = "patchlaw", version, max_term_width = 100)]
pub(crate) struct Cli {
    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, value_enum, global = true, default_value_t = Color::Auto, value_name = "WHEN")]
    pub(crate) color: Color,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Compare two documents: a path-addressed view, or the patch between them
    ///
    /// Exit 0 if they are equal (numbers by value), 1 if not.
    Diff(DiffArgs),
    /// Apply a patch to a document
    ///
    /// Prints the result, or writes it back with --in-place. YAML comments
    /// and layout are not kept.
    Apply(ApplyArgs),
    /// What `kubectl apply` would do to the live objects, offline
    ///
    /// For each object of DESIRED: the action (create, patch or unchanged),
    /// the patch kubectl sends, the conflicts (other writers' values the
    /// patch overwrites), the resulting object and the new last-applied
    /// annotation. Objects are matched with LIVE by API group, kind,
    /// namespace and name. Exit 0 if nothing would change, 1 if something
    /// would.
    Plan(PlanArgs),
    /// Compose merge patches (RFC 7396) into one
    ///
    /// The result has the effect of applying them in order.
    Compose(ComposeArgs),
    /// Print the value at a JSON Pointer (RFC 6901)
    Get(GetArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Print the man page (roff)
    Man,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The first document (`-` for stdin)
    pub(crate) old: String,
    /// The second document (`-` for stdin)
    pub(crate) new: String,
    /// human (default on a terminal), json-patch (RFC 6902, the default
    /// otherwise), merge (RFC 7396) or strategic
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub(crate) format: Option<DiffFormat>,
    #[command(flatten)]
    pub(crate) schema: SchemaArg,
    /// How to write a patch
    #[arg(short, long, value_enum, default_value_t = Encoding::Json, value_name = "ENCODING")]
    pub(crate) output: Encoding,
}

#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    /// The document (`-` for stdin)
    pub(crate) doc: String,
    /// The patch (`-` for stdin)
    pub(crate) patch: String,
    /// The patch's type; guessed from its shape when not given (an array is
    /// a JSON Patch; an object is strategic for kinds with a schema, a merge
    /// patch otherwise), and the guess is said on stderr
    #[arg(short = 't', long = "type", value_enum, value_name = "TYPE")]
    pub(crate) patch_type: Option<PatchType>,
    #[command(flatten)]
    pub(crate) schema: SchemaArg,
    /// How to write the result [default: as DOC is written]
    #[arg(short, long, value_enum, value_name = "ENCODING")]
    pub(crate) output: Option<Encoding>,
    /// Replace DOC with the result, atomically; a patch that fails leaves it
    /// untouched
    #[arg(short, long, conflicts_with = "output")]
    pub(crate) in_place: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    /// The manifests to apply: files (multi-document YAML, JSON, `-` for
    /// stdin) or directories of .yaml, .yml and .json files
    #[arg(
        short = 'f',
        long = "filename",
        required = true,
        value_name = "DESIRED"
    )]
    pub(crate) desired: Vec<String>,
    /// The live objects, as `kubectl get -o yaml` prints them (files or
    /// directories); objects without a live match are created
    #[arg(long, value_name = "LIVE")]
    pub(crate) live: Vec<String>,
    /// human, json or yaml
    #[arg(short, long, value_enum, default_value_t = PlanOutput::Human, value_name = "OUTPUT")]
    pub(crate) output: PlanOutput,
    /// The annotation holding the last-applied configuration (a
    /// controller's own, say)
    #[arg(long, value_name = "NAME", default_value = patchlaw::three_way::LAST_APPLIED_ANNOTATION)]
    pub(crate) annotation: String,
    /// Whether to overwrite other writers' changes; with false, a conflict
    /// is an error, as `kubectl apply --overwrite=false`
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true,
          default_value_t = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub(crate) overwrite: bool,
    /// The namespace of namespaced objects that name none (kubectl takes
    /// its context's)
    #[arg(short, long, default_value = "default")]
    pub(crate) namespace: String,
    #[command(flatten)]
    pub(crate) schema: SchemaArg,
}

#[derive(Debug, Args)]
pub(crate) struct ComposeArgs {
    /// The patches, first applied first (`-` for stdin)
    #[arg(required = true, num_args = 2..)]
    pub(crate) patches: Vec<String>,
    /// How to write the patch
    #[arg(short, long, value_enum, default_value_t = Encoding::Json, value_name = "ENCODING")]
    pub(crate) output: Encoding,
}

#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// The document (`-` for stdin)
    pub(crate) doc: String,
    /// The pointer, e.g. /spec/template/spec/containers/0/image (`""` is
    /// the whole document)
    #[arg(allow_hyphen_values = true)]
    pub(crate) pointer: String,
    /// How to write the value
    #[arg(short, long, value_enum, default_value_t = Encoding::Json, value_name = "ENCODING")]
    pub(crate) output: Encoding,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub(crate) struct SchemaArg {
    /// An OpenAPI v2 or v3 document with the kind's patch strategies
    /// (x-kubernetes-patch-strategy), for strategic patches of kinds
    /// without a built-in schema
    #[arg(long, value_name = "FILE")]
    pub(crate) schema: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiffFormat {
    Human,
    JsonPatch,
    Merge,
    Strategic,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum PatchType {
    Json,
    Merge,
    Strategic,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Encoding {
    Json,
    Yaml,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum PlanOutput {
    Human,
    Json,
    Yaml,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}
