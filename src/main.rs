//! The `derivcheck` command line: parse flags, call the library, set the
//! exit status (0 valid, 1 refuted / unknown / claim not met, 2 unusable
//! input).

use clap::{Parser, Subcommand, ValueEnum};
use derivcheck::check::{self, FileResult, Options, Prelude};
use derivcheck::diagnostic::Diagnostic;
use derivcheck::latex::InputFormat;
use derivcheck::report;
use derivcheck::syntax::ast::ItemKind;
use derivcheck::syntax::print::print_chain;
use derivcheck::syntax::Source;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Check mathematical derivations step by step.
///
/// A derivation is a chain of expressions, one step a line. derivcheck
/// decides for every step whether it follows from the one before, says how
/// it knows, and shows a counterexample where a step is wrong.
#[derive(Parser)]
#[command(name = "derivcheck", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// One line a step, coloured on a terminal.
    Text,
    /// The stable JSON report (SPEC §4).
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Check every step of the derivations in files or directories.
    ///
    /// Directories are searched recursively for .deriv, .tex and .md files.
    /// Each step is proved, confirmed on random instances, estimated,
    /// refuted with a counterexample, or unknown with the reason.
    ///
    /// In .tex and .md files the chains are the display math (align,
    /// equation, gather, multline, $$…$$, \[…\]; `&=` and `\\` separate
    /// steps; `\text{by …}`, `&& \text{…}` or `% by …` justify one). Their
    /// declarations come from --with FILE.deriv, from `%! param θ` lines
    /// (LaTeX) or from a ```deriv block (Markdown). Errors point at the
    /// line and column of the original file.
    ///
    /// Exit status: 0 when every step is valid and every claim met; 1 when a
    /// step is refuted or unknown or a claim is not met; 2 for unusable input.
    Check {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Seed for every random choice; the same seed gives the same run.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Random instances per step for the numeric engine.
        #[arg(long, default_value_t = 24)]
        trials: usize,
        /// Monte Carlo samples per ≈ step.
        #[arg(long, default_value_t = 4000)]
        samples: usize,
        /// Do not use the symbolic engine.
        #[arg(long)]
        no_symbolic: bool,
        /// Do not use the numeric engine.
        #[arg(long)]
        no_numeric: bool,
        /// Declarations (and claims) for the .tex and .md files: a .deriv
        /// file whose declarations come before each one's own.
        #[arg(long, value_name = "FILE.deriv")]
        with: Option<PathBuf>,
    },
    /// Print a file's chains canonically (or as LaTeX).
    ///
    /// The canonical form shows every bracket the grammar needs, so the
    /// precedence of each step is visible. The file may be .deriv, .tex or
    /// .md, so `fmt` also shows how a LaTeX derivation was read.
    Fmt {
        /// The file.
        file: PathBuf,
        /// Print LaTeX (align* environments, read back by the .tex reader
        /// as the same chains) instead.
        #[arg(long)]
        latex: bool,
    },
}

/// Stack for the run: every tree is depth-bounded, but a bounded tree can
/// still be deeper than a default stack allows.
const STACK_BYTES: usize = 512 << 20;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let run = std::thread::Builder::new()
        .stack_size(STACK_BYTES)
        .spawn(move || run(cli))
        .map(|h| h.join().unwrap_or(2));
    ExitCode::from(run.unwrap_or(2) as u8)
}

fn run(cli: Cli) -> i32 {
    let color = std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    colored::control::set_override(color);
    let code = match cli.command {
        Command::Check {
            paths,
            format,
            seed,
            trials,
            samples,
            no_symbolic,
            no_numeric,
            with,
        } => {
            let opts = Options {
                seed,
                trials,
                samples,
                symbolic: !no_symbolic,
                numeric: !no_numeric,
            };
            let mut unreadable = None;
            let prelude = with.and_then(|p| {
                Prelude::read(&p)
                    .map_err(|e| {
                        unreadable = Some(FileResult::unreadable(&p.display().to_string(), e))
                    })
                    .ok()
            });
            let mut files: Vec<FileResult> = unreadable.into_iter().collect();
            files.extend(check::check_paths_with(&paths, prelude.as_ref(), &opts));
            let out = match format {
                Format::Text => report::text::render(&files),
                Format::Json => report::json::render(&files),
            };
            print!("{out}");
            report::exit_code(&files)
        }
        Command::Fmt { file, latex } => fmt(&file, latex),
    };
    code
}

fn fmt(path: &std::path::Path, latex: bool) -> i32 {
    let text = match check::read_bounded(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let source = Source::new(path.display().to_string(), text);
    let parsed = InputFormat::from_path(path).read(&source.text);
    if !parsed.errors.is_empty() {
        let mut errors: Vec<Diagnostic> = parsed
            .errors
            .iter()
            .map(|e| Diagnostic::from_syntax(e, &source))
            .collect();
        check::limit_errors(&mut errors);
        for d in &errors {
            eprint!("{}", d.render(&source));
        }
        return 2;
    }
    let mut first = true;
    for item in &parsed.items {
        if let ItemKind::Chain(c) = &item.kind {
            if !first {
                println!();
            }
            first = false;
            print!("{}", print_chain(c, latex));
        }
    }
    0
}
