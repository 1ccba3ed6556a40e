//! The `derivcheck` command line: parse flags, call the library, set the
//! exit status (0 valid, 1 refuted / unknown / claim not met — or, for
//! `grade --strict`, a submission below full marks — 2 unusable input).

use clap::{Parser, Subcommand, ValueEnum};
use derivcheck::check::{self, Options};
use derivcheck::diagnostic::Diagnostic;
use derivcheck::grade::{self, Assignment, GradeOptions, Grader};
use derivcheck::report;
use derivcheck::report::grade::GradeFormat;
use derivcheck::syntax::ast::ItemKind;
use derivcheck::syntax::parser::parse_file;
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
    /// JUnit XML: a test case a step, for CI systems.
    Junit,
}

#[derive(Clone, Copy, ValueEnum)]
enum GradeFormatArg {
    /// A table with a summary, coloured on a terminal.
    Table,
    /// JSON (SPEC §5): every submission with its steps and feedback.
    Json,
    /// id,score,max,valid,first_invalid_line — for a gradebook.
    Csv,
    /// JUnit XML: a test suite a submission, a test case a step.
    Junit,
    /// One self-contained page for the class, mathematics drawn as MathML.
    Html,
}

impl From<GradeFormatArg> for GradeFormat {
    fn from(f: GradeFormatArg) -> Self {
        match f {
            GradeFormatArg::Table => GradeFormat::Table,
            GradeFormatArg::Json => GradeFormat::Json,
            GradeFormatArg::Csv => GradeFormat::Csv,
            GradeFormatArg::Junit => GradeFormat::Junit,
            GradeFormatArg::Html => GradeFormat::Html,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Check every step of the derivations in files or directories.
    ///
    /// Directories are searched recursively for .deriv files. Each step is
    /// proved, confirmed on random instances, estimated, refuted with a
    /// counterexample, or unknown with the reason.
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
    },
    /// Grade a class's submissions against an assignment.
    ///
    /// The assignment is a .deriv file with the declarations, a claim (the
    /// goal), perhaps `points`, `milestone` lines, a `rubric` line (default:
    /// start 1, finish 3, step 1 max 4, milestone 2, refuted -2) and, for an
    /// ordering exercise, labelled `steps` listed in the intended order.
    /// A submission is a .deriv file holding one chain (the assignment's
    /// declarations apply), a .txt file with labels in order (`C A E B D`),
    /// or a .tex/.md file (read once the LaTeX reader is part of
    /// derivcheck). Directories are searched recursively. Every submission
    /// gets a score and feedback in plain words; one that cannot be read or
    /// parsed scores 0 with its error, and the batch goes on.
    ///
    /// With --out DIR: DIR/feedback/ID.txt for each student, DIR/results/ID.json
    /// (so a run interrupted half-way and run again grades only what is
    /// left), and DIR/report.EXT, each written atomically.
    ///
    /// Exit status: 0 when every submission was graded; 1 with --strict
    /// when a submission is below full marks; 2 when the assignment is
    /// unusable, a submission file cannot be read, or the report cannot be
    /// written.
    Grade {
        /// The assignment (.deriv).
        assignment: PathBuf,
        /// Submission files or directories.
        #[arg(required = true)]
        submissions: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: GradeFormatArg,
        /// Write a feedback file per student and the report into DIR.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Exit 1 when a submission is below full marks.
        #[arg(long)]
        strict: bool,
        /// Seed for every random choice; each submission's seed is mixed
        /// from it and the submission's id.
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
        /// Threads (0: one a core). Results do not depend on it.
        #[arg(long, default_value_t = 0)]
        jobs: usize,
    },
    /// Print a file's chains canonically (or as LaTeX).
    ///
    /// The canonical form shows every bracket the grammar needs, so the
    /// precedence of each step is visible.
    Fmt {
        /// The file.
        file: PathBuf,
        /// Print LaTeX (align* environments) instead.
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
        } => {
            let opts = Options {
                seed,
                trials,
                samples,
                symbolic: !no_symbolic,
                numeric: !no_numeric,
            };
            let files = check::check_paths(&paths, &opts);
            let out = match format {
                Format::Text => report::text::render(&files),
                Format::Json => report::json::render(&files),
                Format::Junit => report::junit::render_check(&files),
            };
            print!("{out}");
            report::exit_code(&files)
        }
        Command::Grade {
            assignment,
            submissions,
            format,
            out,
            strict,
            seed,
            trials,
            samples,
            no_symbolic,
            no_numeric,
            jobs,
        } => {
            let opts = GradeOptions {
                check: Options {
                    seed,
                    trials,
                    samples,
                    symbolic: !no_symbolic,
                    numeric: !no_numeric,
                },
                ..GradeOptions::default()
            };
            grade_command(
                &assignment,
                &submissions,
                format.into(),
                out.as_deref(),
                strict,
                opts,
                jobs,
                color,
            )
        }
        Command::Fmt { file, latex } => fmt(&file, latex),
    };
    code
}

#[allow(clippy::too_many_arguments)]
fn grade_command(
    assignment: &std::path::Path,
    paths: &[PathBuf],
    format: GradeFormat,
    out: Option<&std::path::Path>,
    strict: bool,
    opts: GradeOptions,
    jobs: usize,
    color: bool,
) -> i32 {
    let loaded = match Assignment::load(assignment) {
        Ok(a) => a,
        Err(e) => {
            eprint!("{}", e.render());
            return 2;
        }
    };
    let mut exclude = vec![assignment.to_path_buf()];
    exclude.extend(out.map(std::path::Path::to_path_buf));
    let (subs, problems) = grade::collect_submissions(paths, &exclude);
    for p in &problems {
        eprintln!("error: {p}");
    }
    if subs.is_empty() {
        eprintln!("error: no submissions found (.deriv, .tex, .md or .txt files)");
        return 2;
    }
    let grader = Grader::new(&loaded, opts);
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(subs.len() as u64).with_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} submissions ({elapsed} so far, {eta} left)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        )
    } else {
        indicatif::ProgressBar::hidden()
    };
    let done = || bar.inc(1);
    let mut stdout = std::io::stdout().lock();
    let outcome = report::grade::run(&grader, &subs, format, out, jobs, color, &mut stdout, &done);
    bar.finish_and_clear();
    match outcome {
        Ok(o) => {
            if let Some(path) = &o.report {
                println!("{}", o.summary.line());
                if o.stats.reused > 0 {
                    println!(
                        "{} graded now, {} taken from an earlier run",
                        o.stats.graded, o.stats.reused
                    );
                }
                println!("report: {}", path.display());
            }
            if !problems.is_empty() {
                return 2;
            }
            o.exit_code(strict)
        }
        Err(e) => {
            eprintln!("error: cannot write the report: {e}");
            2
        }
    }
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
    let parsed = parse_file(&source.text);
    if !parsed.errors.is_empty() {
        for e in &parsed.errors {
            eprint!("{}", Diagnostic::from_syntax(e, &source).render(&source));
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
