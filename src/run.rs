//! The pipeline behind each command, and the one place that prints and picks exit codes.
use crate::cli::{Cli, Command, Format};
use crate::error::{report_parse_error, report_problems, Error};
use crate::{bundle, plan, readme, render, validate};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// Runs one command; returns the process exit code (0 ok, 1 profile or build error).
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    match execute(cli, out, err) {
        Ok(()) => 0,
        Err(Error::Profile(report)) => {
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
            let loaded = load(&profile)?;
            plan::plan(&loaded.deployment);
            warn(err, &loaded.deployment);
            let _ = writeln!(
                out,
                "{}: ok ({} nodes, {})",
                profile.display(),
                loaded.deployment.nodes.len(),
                loaded.deployment.pattern.as_str()
            );
        }
        Command::Plan { profile, format } => {
            let loaded = load(&profile)?;
            let p = plan::plan(&loaded.deployment);
            match format {
                Format::Human => {
                    let _ = out.write_all(readme::human(&p).as_bytes());
                }
                Format::Json => {
                    let json =
                        serde_json::to_string_pretty(&readme::report(&p)).expect("plan serializes");
                    let _ = writeln!(out, "{json}");
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
            let loaded = load(&profile)?;
            warn(err, &loaded.deployment);
            let p = plan::plan(&loaded.deployment);
            let renderer = render::Renderer::new(templates.as_deref())?;
            let opts = bundle::Options {
                out_dir: &out_dir,
                force,
                rotate_keys,
                now: now(),
                profile_digest: bundle::sha256_hex(loaded.source.as_bytes()),
            };
            let built = bundle::build(&p, &renderer, &opts)?;
            if verbose {
                for line in built.pki.to_string().lines() {
                    let _ = writeln!(err, "  {line}");
                }
                for n in &p.nodes {
                    let _ = writeln!(
                        err,
                        "  node {} ({}): {} files",
                        n.name,
                        n.role.as_str(),
                        n.files.len() + 2
                    );
                }
            }
            let _ = writeln!(
                out,
                "Wrote {} ({} nodes, {} files). Done in {}ms.",
                built.path.display(),
                p.nodes.len(),
                built.files,
                started.elapsed().as_millis()
            );
        }
    }
    Ok(())
}

fn warn(err: &mut dyn Write, d: &crate::model::Deployment) {
    for w in validate::warnings(d) {
        let _ = writeln!(err, "warning: {w}");
    }
}

pub struct Loaded {
    pub source: String,
    pub deployment: crate::model::Deployment,
}

/// Reads, parses and validates a profile; every problem becomes one `Error::Profile` report.
pub fn load(path: &Path) -> Result<Loaded, Error> {
    let source = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let file = path.display().to_string();
    let profile: crate::profile::Profile = toml::from_str(&source)
        .map_err(|e| Error::Profile(report_parse_error(&file, &source, &e)))?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let var = |name: &str| std::env::var(name).ok();
    let env = validate::Env {
        base_dir,
        var: &var,
    };
    let deployment = validate::validate(&profile, &env)
        .map_err(|problems| Error::Profile(report_problems(&file, &source, &problems)))?;
    Ok(Loaded { source, deployment })
}

/// The build clock: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now.
fn now() -> time::OffsetDateTime {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc)
}
