//! `kmgen`: parse the command line, run, exit with the code `run` chose.
use clap::Parser;

fn main() {
    let cli = kmgen::cli::Cli::parse();
    let code = kmgen::run::run(cli, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
