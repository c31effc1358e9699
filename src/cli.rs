//! Command line: clap derive types for `build`, `check`, `diff` and `plan`.
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Builds complete, validated WSO2 API Manager 2.6.0 + IS-KM 5.7.0 deployment bundles from
/// one TOML profile: every node's config tree, keys, keystores and truststores.
#[derive(Debug, Parser)]
#[command(name = "kmgen", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate, plan, render and write OUT/<deployment.name>/.
    Build {
        /// The deployment profile (TOML).
        profile: PathBuf,
        /// Output folder; the bundle goes to OUT/<deployment.name>/.
        #[arg(short, long, default_value = "out")]
        out: PathBuf,
        /// Replace an existing folder that kmgen did not write.
        #[arg(long)]
        force: bool,
        /// Replace primary key pairs whose size or sharing changed (makes encrypted data unreadable).
        #[arg(long)]
        rotate_keys: bool,
        /// Folder of templates that replace the embedded ones of the same name.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        /// Print what was generated and reused.
        #[arg(short, long)]
        verbose: bool,
        /// Compare the bundle this profile gives with the one on disk; write nothing. Exit 0
        /// when identical, 1 with a diff of each stale file (secrets masked) when not.
        #[arg(long)]
        check: bool,
        /// Also write nodes/<node>.tar.gz per node: reproducible (mtime SOURCE_DATE_EPOCH,
        /// else 0), modes kept; unpack with `tar -xzf <node>.tar.gz -C <pack home>`.
        #[arg(long)]
        archive: bool,
    },
    /// Validate and plan only; writes nothing. Exits 0 when the profile is good.
    Check {
        /// The deployment profile (TOML).
        profile: PathBuf,
    },
    /// Show what copying a node's folder over its installed or unzipped pack would change.
    ///
    /// The node's files are made as `build` makes them (nothing is written). XML files are
    /// compared element by element, stores by alias, other files line by line; files the
    /// pack lacks are "new"; secrets are masked. Exit 0 when nothing would change, 1 when
    /// something would (or on an error), 2 on a usage error.
    Diff {
        /// The deployment profile (TOML).
        profile: PathBuf,
        /// The node whose files are compared.
        #[arg(long, value_name = "NAME")]
        node: String,
        /// The pack's folder (PRODUCT_HOME) the node's folder would be copied over.
        #[arg(long, value_name = "PRODUCT_HOME")]
        against: PathBuf,
        /// Output folder of the bundle whose keys (OUT/<deployment.name>/pki) the stores are
        /// made from; without a bundle there, from new keys. Nothing is written.
        #[arg(short, long, default_value = "out")]
        out: PathBuf,
        /// Folder of templates that replace the embedded ones of the same name.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
    },
    /// Print the resolved topology: nodes, roles, hosts, ports and every cross-node URL.
    Plan {
        /// The deployment profile (TOML).
        profile: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// List the node archives that `build --archive` adds.
        #[arg(long)]
        archive: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}
