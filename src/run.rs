//! The pipeline behind each command, and the one place that prints and picks exit codes.
use crate::cli::{Cli, Command, Format};
use crate::error::Error;
use crate::load::Loaded;
use crate::load::{load, validate};
use crate::model::Name;
use crate::render::report;
use crate::{bundle, plan, render, tools};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// Runs one command; returns the process exit code (0 ok, 1 profile or build error).
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match execute(cli, out, err) {
        Ok(()) => 0,
        Err(Error::Load(crate::load::LoadError::Profile(report))) => {
            let _ = err.write_all(report.as_bytes());
            1
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            if let Some(help) = e.help() {
                let _ = writeln!(err, "help: {help}");
            }
            1
        }
    }
}

fn execute(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Error> {
    match cli.command {
        Command::Check { profile } => check(&profile, out, err)?,
        Command::Plan {
            profile,
            format,
            archive,
        } => plan_command(&profile, format, archive, out)?,
        Command::Schema => tools::schema(out)?,
        Command::Init {
            pattern,
            name,
            output,
            force,
        } => {
            let name = name.unwrap_or_else(|| Name::parse(pattern.as_str()).expect("a name"));
            tools::init::init(pattern, &name, output.as_deref(), force, out)?
        }
        Command::Completions { shell } => tools::completions(shell, out)?,
        Command::Man { command } => tools::man(command.as_deref(), out)?,
        Command::Build {
            profile,
            out: out_dir,
            force,
            rotate_keys,
            templates,
            verbose,
            check,
            archive,
        } => {
            let flags = BuildFlags {
                check,
                archive,
                out_dir,
                force,
                rotate_keys,
                templates,
                verbose,
            };
            build(&profile, &flags, out, err)?
        }
        Command::Diff {
            profile,
            node,
            against,
            out: out_dir,
            templates,
        } => {
            let flags = DiffFlags {
                node,
                against,
                out_dir,
                templates,
            };
            diff(&profile, &flags, out, err)?
        }
    }
    out.flush().map_err(Error::Output)
}

fn check(profile: &Path, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Error> {
    let (_, p) = prepare(profile, err)?;
    let (nodes, pattern) = (p.nodes.len(), p.deployment.pattern.as_str());
    let files = p.outputs.len();
    writeln!(
        out,
        "{}: ok ({nodes} nodes, {pattern}; {files} files)",
        profile.display()
    )
    .map_err(Error::Output)
}

fn plan_command(
    profile: &Path,
    format: Format,
    archive: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let (_, p) = prepare(profile, &mut std::io::sink())?;
    let p = if archive { p.with_archives() } else { p };
    let text = match format {
        Format::Human => report::human(&p, &render::Renderer::new(None)?)?,
        Format::Json => {
            let json = serde_json::to_string_pretty(&report::report(&p)).expect("plan serializes");
            format!("{json}\n")
        }
        Format::Mermaid => render::mermaid::diagram(&p),
    };
    out.write_all(text.as_bytes()).map_err(Error::Output)
}

/// `kmgen build` flags beyond the profile.
struct BuildFlags {
    check: bool,
    archive: bool,
    out_dir: std::path::PathBuf,
    force: bool,
    rotate_keys: bool,
    templates: Option<std::path::PathBuf>,
    verbose: bool,
}

fn build(
    profile: &Path,
    flags: &BuildFlags,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Error> {
    let started = Instant::now();
    let templates = render::Templates::new(flags.templates.as_deref());
    std::thread::scope(|s| {
        // The templates are parsed on a thread of their own from the start, while the
        // profile is loaded, the bundle locked and the keys read or generated
        // (`Templates::get` waits for it).
        s.spawn(|| {
            let _ = templates.get();
        });
        let (loaded, p) = prepare(profile, err)?;
        let p = if flags.archive { p.with_archives() } else { p };
        let planned = started.elapsed();
        let clock = Clock { started, planned };
        build_with(&loaded, &p, clock, flags, &templates, out, err)
    })
}

/// When a build started, and how long loading and planning the profile took.
struct Clock {
    started: Instant,
    planned: std::time::Duration,
}

fn build_with(
    loaded: &Loaded,
    p: &plan::Plan,
    Clock { started, planned }: Clock,
    flags: &BuildFlags,
    templates: &render::Templates,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Error> {
    let opts = bundle::Options {
        out_dir: &flags.out_dir,
        force: flags.force,
        rotate_keys: flags.rotate_keys,
        now: now(),
        archive_mtime: source_date_epoch()
            .and_then(|s| u64::try_from(s).ok())
            .unwrap_or(bundle::DEFAULT_MTIME),
        profile_digest: loaded.digest(),
        inputs: loaded.inputs.clone(),
    };
    if flags.check {
        return check_bundle(p, templates, &opts, out);
    }
    let built = bundle::build(p, templates, &opts, &mut |line| {
        let _ = writeln!(err, "{line}");
    })?;
    if flags.verbose {
        for line in built.pki.to_string().lines() {
            let _ = writeln!(err, "  {line}");
        }
        for n in &p.nodes {
            let folder = format!("nodes/{}/", n.name);
            let files = p.outputs.iter().filter(|o| o.path.starts_with(&folder));
            let (name, role) = (&n.name, n.role.as_str());
            let _ = writeln!(err, "  node {name} ({role}): {} files", files.count());
        }
    }
    if std::env::var_os("KMGEN_TIMINGS").is_some() {
        let steps =
            std::iter::once(("load, plan", planned)).chain(built.phases.steps.iter().copied());
        let steps: Vec<String> = steps
            .map(|(step, d)| format!("{step} {:.1}ms", d.as_secs_f64() * 1000.0))
            .collect();
        let _ = writeln!(err, "timings: {}", steps.join(", "));
    }
    let ms = started.elapsed().as_millis();
    let (path, nodes, files) = (built.path.display(), p.nodes.len(), built.files);
    if built.changed {
        writeln!(
            out,
            "Wrote {path} ({nodes} nodes, {files} files). Done in {ms}ms."
        )
    } else {
        let what = format!("({nodes} nodes, {files} files); nothing written");
        writeln!(out, "{path} is up to date {what}. Done in {ms}ms.")
    }
    .map_err(Error::Output)
}

/// `build --check`: the stale files on stdout; `Err(Error::Stale)` (exit 1) when any.
fn check_bundle(
    p: &plan::Plan,
    templates: &render::Templates,
    opts: &bundle::Options,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let stale = bundle::check(p, templates, opts)?;
    let target = opts.out_dir.join(&p.deployment.name);
    for s in &stale {
        writeln!(out, "{}", s.trim_end()).map_err(Error::Output)?;
    }
    if stale.is_empty() {
        writeln!(out, "{} is up to date", target.display()).map_err(Error::Output)
    } else {
        Err(Error::Stale {
            path: target,
            count: stale.len(),
        })
    }
}

/// `kmgen diff` flags beyond the profile.
struct DiffFlags {
    node: String,
    against: std::path::PathBuf,
    out_dir: std::path::PathBuf,
    templates: Option<std::path::PathBuf>,
}

/// `kmgen diff`: each differing file on stdout, then a summary; `Err(Error::Differs)`
/// (exit 1) when copying the node's folder would change anything.
fn diff(
    profile: &Path,
    flags: &DiffFlags,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Error> {
    let (loaded, p) = prepare(profile, err)?;
    let Some(node) = p.nodes.iter().position(|n| n.name == flags.node.as_str()) else {
        return Err(Error::UnknownNode {
            name: flags.node.clone(),
            nodes: p.nodes.iter().map(|n| n.name.to_string()).collect(),
        });
    };
    let templates = render::Templates::new(flags.templates.as_deref());
    let opts = bundle::Options {
        out_dir: &flags.out_dir,
        force: false,
        rotate_keys: false,
        now: now(),
        archive_mtime: bundle::DEFAULT_MTIME,
        profile_digest: loaded.digest(),
        inputs: loaded.inputs.clone(),
    };
    let d = bundle::node_diff(&p, &templates, &opts, node, &flags.against)?;
    if !d.reused_keys {
        let bundle = flags.out_dir.join(&p.deployment.name);
        let _ = writeln!(
            err,
            "note: no bundle in {}: the stores hold new keys (pass -o with the bundle's output folder to use its keys)",
            bundle.display()
        );
    }
    for c in &d.changes {
        writeln!(out, "{}", c.trim_end()).map_err(Error::Output)?;
    }
    let (name, home) = (&flags.node, flags.against.display());
    let files = match d.folders {
        0 => format!("{} files", d.files),
        n => format!("{} files and {n} folders", d.files),
    };
    if d.changes.is_empty() {
        writeln!(out, "node {name}: no difference from {home} ({files})").map_err(Error::Output)
    } else {
        let count = d.changes.len();
        writeln!(
            out,
            "node {name}: {count} of its {files} differ from {home}"
        )
        .map_err(Error::Output)?;
        Err(Error::Differs {
            node: flags.node.clone(),
            home: flags.against.clone(),
            count,
        })
    }
}

/// What `check`, `plan` and `build` share: load and validate the profile, print its
/// warnings to `err`, and plan the whole bundle.
fn prepare(profile: &Path, err: &mut dyn Write) -> Result<(Loaded, plan::Plan), Error> {
    let loaded = load(profile)?;
    warn(err, &loaded.deployment);
    let p = plan::plan(&loaded.deployment);
    Ok((loaded, p))
}

fn warn(err: &mut dyn Write, d: &crate::model::Deployment) {
    for w in validate::warnings(d) {
        let _ = writeln!(err, "warning: {w}");
    }
}

/// The build clock: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now (the
/// clock `validate::build_clock` checks operator certificates at, read the same way).
fn now() -> time::OffsetDateTime {
    source_date_epoch()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc)
}

fn source_date_epoch() -> Option<i64> {
    std::env::var("SOURCE_DATE_EPOCH").ok()?.parse().ok()
}
