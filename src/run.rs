//! The pipeline behind each command, and the one place that prints and picks exit codes.
use crate::cli::{Cli, Command, Format};
use crate::error::Error;
use crate::load::Loaded;
use crate::load::{load, validate};
use crate::render::report;
use crate::{bundle, plan, render};
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
    let started = Instant::now();
    match cli.command {
        Command::Check { profile } => {
            let (_, p) = prepare(&profile, err)?;
            writeln!(
                out,
                "{}: ok ({} nodes, {}; {} files)",
                profile.display(),
                p.nodes.len(),
                p.deployment.pattern.as_str(),
                p.outputs.len()
            )
            .map_err(Error::Output)?;
        }
        Command::Plan { profile, format } => {
            let (_, p) = prepare(&profile, &mut std::io::sink())?;
            match format {
                Format::Human => {
                    let renderer = render::Renderer::new(None)?;
                    let text = report::human(&p, &renderer)?;
                    out.write_all(text.as_bytes()).map_err(Error::Output)?;
                }
                Format::Json => {
                    let json =
                        serde_json::to_string_pretty(&report::report(&p)).expect("plan serializes");
                    writeln!(out, "{json}").map_err(Error::Output)?;
                }
            }
        }
        Command::Build {
            profile,
            out: out_dir,
            force,
            rotate_keys,
            templates,
            verbose,
        } => {
            let (loaded, p) = prepare(&profile, err)?;
            let renderer = render::Renderer::new(templates.as_deref())?;
            let opts = bundle::Options {
                out_dir: &out_dir,
                force,
                rotate_keys,
                now: now(),
                profile_digest: loaded.digest(),
                inputs: loaded.inputs.clone(),
            };
            let built = bundle::build(&p, &renderer, &opts, &mut |line| {
                let _ = writeln!(err, "{line}");
            })?;
            if verbose {
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
            writeln!(
                out,
                "Wrote {} ({} nodes, {} files). Done in {}ms.",
                built.path.display(),
                p.nodes.len(),
                built.files,
                started.elapsed().as_millis()
            )
            .map_err(Error::Output)?;
        }
    }
    out.flush().map_err(Error::Output)
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

/// The build clock: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now.
fn now() -> time::OffsetDateTime {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc)
}
