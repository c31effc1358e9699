//! Tools phase: the commands that build no bundle: `schema` (the profile's JSON Schema),
//! `init` (a starter profile), `completions` and `man` (from the clap definitions).
pub mod init;

use crate::cli::{Cli, Shell};
use crate::error::Error;
use clap::CommandFactory;
use std::io::Write;

/// `kmgen schema`: the profile's JSON Schema (draft-07) on stdout.
pub fn schema(out: &mut dyn Write) -> Result<(), Error> {
    let text = crate::load::json_schema::json_schema_text();
    out.write_all(text.as_bytes()).map_err(Error::Output)
}

/// `kmgen completions SHELL`: the completion script for `shell` on stdout.
pub fn completions(shell: Shell, out: &mut dyn Write) -> Result<(), Error> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "kmgen", &mut buf);
    out.write_all(&buf).map_err(Error::Output)
}

/// `kmgen man [COMMAND]`: the man page (roff) of kmgen, or of one command (`kmgen-build`).
pub fn man(command: Option<&str>, out: &mut dyn Write) -> Result<(), Error> {
    let mut cmd = Cli::command();
    cmd.build();
    let source = format!("kmgen {}", cmd.get_version().unwrap_or_default());
    let man = match command {
        None => clap_mangen::Man::new(cmd),
        Some(name) => {
            let sub = cmd.find_subcommand(name).cloned();
            let sub = sub.ok_or_else(|| Error::NoCommand(name.to_string()))?;
            clap_mangen::Man::new(sub).title(format!("kmgen-{name}"))
        }
    };
    let mut buf = Vec::new();
    man.source(source).render(&mut buf).map_err(Error::Output)?;
    out.write_all(&buf).map_err(Error::Output)
}
