//! The `derivcheck` command line: parse flags, call the library, set the
//! exit status (0 valid, 1 refuted / unknown / claim not met — or, for
//! `grade --strict`, a submission below full marks — 2 unusable input).

/// Many small trees and polynomials are built and dropped per step: see
/// Cargo.toml.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand, ValueEnum};
use derivcheck::check::{self, FileResult, Options, Prelude};
use derivcheck::diagnostic::Diagnostic;
use derivcheck::grade::ReportOptions;
use derivcheck::grade::{self, Assignment, GradeOptions, Grader};
use derivcheck::latex::InputFormat;
use derivcheck::montecarlo::checker::{self as mc, McConfig};
use derivcheck::montecarlo::estimators::Estimator;
use derivcheck::montecarlo::mdp::Sizes;
use derivcheck::report;
use derivcheck::report::grade::GradeFormat;
use derivcheck::report::plot::{self, PlotFormat};
use derivcheck::report::CheckFormat;
use derivcheck::syntax::ast::ItemKind;
use derivcheck::syntax::print::print_chain;
use derivcheck::syntax::Source;
use derivcheck::terminal::visible;
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
enum McFormat {
    /// A table, one row an estimator.
    Text,
    /// The whole report: settings, estimators, every policy.
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum EstimatorChoice {
    /// (1/N) Σ_i ∇_θ log Pr_θ(τ_i) R(τ_i)
    Reinforce,
    /// (1/N) Σ_i Σ_t ∇_θ log π_θ(a_t|s_t) Σ_{t'≥t} r(s_t', a_t')
    RewardToGo,
    /// (1/N) Σ_i ∇_θ log Pr_θ(τ_i) (R(τ_i) − b), with b = J(θ)
    Baseline,
    /// All three.
    All,
}

impl EstimatorChoice {
    fn estimators(self) -> Vec<Estimator> {
        match self {
            EstimatorChoice::Reinforce => vec![Estimator::Reinforce],
            EstimatorChoice::RewardToGo => vec![Estimator::RewardToGo],
            EstimatorChoice::Baseline => vec![Estimator::Baseline],
            EstimatorChoice::All => vec![
                Estimator::Reinforce,
                Estimator::RewardToGo,
                Estimator::Baseline,
            ],
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Check every step of the derivations in files or directories.
    ///
    /// Directories are searched recursively for .deriv, .tex and .md files
    /// (hidden entries left out), each file read once. A symbolic link in a
    /// directory is followed only to a file or directory inside the
    /// directory named; a link that leads out of it, back into a directory
    /// that holds it (a loop), or to a file already read is skipped with a
    /// note, and the run goes on. A path named itself is read as named. A
    /// UTF-8 byte-order mark at the start of a file is skipped.
    ///
    /// Each step is proved, confirmed on random instances, estimated,
    /// refuted with a counterexample, or unknown with the reason. A claim
    /// that no chain proves is reported as not met. Control characters in
    /// the files are printed escaped (`\u{1b}`).
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
        format: CheckFormat,
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
    /// Check the log-derivative identity by sampling, on random policies.
    ///
    /// For each of K random tabular MDPs with a softmax policy
    /// π_θ(a|s) ∝ exp(θ_{s,a}) and random θ, the exact gradient ∇_θ J(θ) is
    /// computed by enumerating every trajectory, and N trajectories are
    /// sampled. Each estimator's mean over them is tested against the exact
    /// gradient: Hotelling's T² with the estimator's own sample covariance,
    /// summed over the policies and referred to χ². A correct estimator is
    /// rejected with probability --false-alarm. The score without the log,
    /// ∇_θ Pr_θ(τ) R(τ), is tested too, as a control that must be rejected.
    /// The variance column shows what reward-to-go and a baseline save.
    ///
    /// Everything follows from --seed, whatever the number of threads.
    ///
    /// Exit status: 0 when every chosen estimator passes and the control is
    /// rejected; 1 otherwise; 2 for a flag value out of bounds.
    Mc {
        /// K: random policies, each on its own random MDP.
        #[arg(long, default_value_t = McConfig::default().policies)]
        policies: usize,
        /// N: sampled trajectories per policy (at least 10 per parameter).
        #[arg(long, default_value_t = McConfig::default().samples)]
        samples: u64,
        /// |S|: states of each MDP.
        #[arg(long, default_value_t = McConfig::default().sizes.states)]
        states: usize,
        /// |A|: actions in each state (at least 2; |S|·|A| at most 64).
        #[arg(long, default_value_t = McConfig::default().sizes.actions)]
        actions: usize,
        /// H: actions in a trajectory ((|S|·|A|)^H at most 1,000,000, all
        /// enumerated for the exact gradient).
        #[arg(long, default_value_t = McConfig::default().sizes.horizon)]
        horizon: usize,
        /// Seed for every random choice; the same seed gives the same run.
        #[arg(long, default_value_t = McConfig::default().seed)]
        seed: u64,
        /// Which estimators to test (the control is always tested).
        #[arg(long, value_enum, default_value = "all")]
        estimator: EstimatorChoice,
        /// Probability of rejecting a correct estimator.
        #[arg(long, default_value_t = McConfig::default().false_alarm)]
        false_alarm: f64,
        /// Draw the running estimate of one gradient coordinate against the
        /// number of samples, with the exact value and 95% bands.
        #[arg(long, value_name = "FILE.svg|FILE.png")]
        plot: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: McFormat,
    },
    /// Grade a class's submissions against an assignment.
    ///
    /// The assignment is a .deriv file with the declarations, a claim (the
    /// goal), perhaps `points`, `milestone` lines, a `rubric` line (default:
    /// start 1, finish 3, step 1 max 4, milestone 2, refuted -2) and, for an
    /// ordering exercise, labelled `steps` listed in the intended order.
    /// A submission is a .deriv file holding one chain (the assignment's
    /// declarations apply), a .txt file with labels in order (`C A E B D`),
    /// or a .tex/.md file (the LaTeX and Markdown readers, with the
    /// assignment's declarations). Directories are searched recursively,
    /// as by `check`, each file graded once. Submissions are untrusted: a
    /// symbolic link is followed only to a file inside the submissions
    /// folder named (for a file named itself, inside its own folder); a
    /// link that leads elsewhere is never read, and scores 0 with the
    /// reason in the report and the feedback. Every submission gets a score
    /// and feedback in plain words; one that cannot be read or parsed
    /// scores 0 with its error, and the batch goes on.
    ///
    /// With --out DIR: DIR/feedback/ID.txt for each student, DIR/results/ID.json
    /// (so a run interrupted half-way and run again grades only what is
    /// left), and DIR/report.EXT (for gradescope, DIR/gradescope/ID/results.json
    /// a submission), each written atomically. Without --out, gradescope
    /// takes one submission.
    ///
    /// The canvas and moodle gradebooks identify a student by the
    /// submission's id, its file name without the extension.
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
        format: GradeFormat,
        /// Write a feedback file per student and the report into DIR.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// The assignment's column in the canvas and moodle gradebooks
        /// (default: the assignment's file name without the extension);
        /// `Name (id)` names an existing Canvas assignment.
        #[arg(long, value_name = "NAME", value_parser = clap::builder::NonEmptyStringValueParser::new())]
        gradebook_column: Option<String>,
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
        /// Threads (0: one a core; at most 256). Results do not depend on
        /// it.
        #[arg(long, default_value_t = 0, value_parser = jobs_in_bounds)]
        jobs: usize,
    },
    /// Speak the Language Server Protocol on standard input and output.
    ///
    /// An editor starts `derivcheck lsp` and sends it the .deriv, .tex and
    /// .md documents the user edits. Each document is checked about 250 ms
    /// after its last change, off the editor's path: a refuted step is an
    /// error with its counterexample, an unknown step a warning with the
    /// reason, a proved, confirmed or estimated step a hint (or an inlay
    /// hint, where the editor shows them); parse and declaration errors are
    /// errors at their place. Hovering over a step tells how it was
    /// decided. Declarations for .tex and .md documents come from the
    /// setting {"with": "FILE.deriv"} (initialization options or
    /// workspace configuration), else from the document itself.
    ///
    /// Exit status: 0 after the client's shutdown and exit; 1 when the
    /// client exits without shutdown or goes away.
    Lsp,
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

/// `--jobs N`: a count of threads up to [`grade::batch::MAX_JOBS`] (each
/// reserves a large stack), or a clear error naming the flag (exit 2).
fn jobs_in_bounds(text: &str) -> Result<usize, String> {
    let max = grade::batch::MAX_JOBS;
    match text.parse::<usize>() {
        Ok(n) if n <= max => Ok(n),
        Ok(n) => Err(format!(
            "{n} threads is more than the bound of {max} (0 takes one a core)"
        )),
        Err(_) => Err(format!(
            "expected a number of threads from 0 (one a core) to {max}"
        )),
    }
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
            let checked = check::check_paths_with(&paths, prelude.as_ref(), &opts);
            files.extend(checked.files);
            if format == CheckFormat::Junit {
                // JUnit XML has no place for them.
                for n in &checked.notes {
                    eprintln!("{}", visible(&n.line()));
                }
            }
            print!("{}", report::render_check(format, &files, &checked.notes));
            report::exit_code(&files)
        }
        Command::Grade {
            assignment,
            submissions,
            format,
            out,
            gradebook_column,
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
            let report = ReportOptions {
                format,
                out_dir: out.as_deref(),
                color,
                column: gradebook_column,
            };
            grade_command(&assignment, &submissions, &report, strict, opts, jobs)
        }
        Command::Fmt { file, latex } => fmt(&file, latex),
        Command::Lsp => derivcheck::lsp::serve_stdio(),
        Command::Mc {
            policies,
            samples,
            states,
            actions,
            horizon,
            seed,
            estimator,
            false_alarm,
            plot,
            format,
        } => {
            let config = McConfig {
                policies,
                samples,
                sizes: Sizes {
                    states,
                    actions,
                    horizon,
                },
                seed,
                estimators: estimator.estimators(),
                false_alarm,
                trace: plot.is_some(),
            };
            monte_carlo(&config, plot.as_deref(), format)
        }
    };
    code
}

fn monte_carlo(config: &McConfig, plot_path: Option<&std::path::Path>, format: McFormat) -> i32 {
    if let Err(e) = config.validate() {
        eprintln!("error: {e}");
        return 2;
    }
    if let Some(Err(e)) = plot_path.map(PlotFormat::of) {
        eprintln!("error: --plot: {e}");
        return 2;
    }
    let report = mc::run(config);
    print!(
        "{}",
        match format {
            McFormat::Text => report::mc::render_text(&report),
            McFormat::Json => report::mc::render_json(&report),
        }
    );
    if let (Some(path), Some(trace)) = (plot_path, &report.trace) {
        if let Err(e) = plot::draw(trace, &report.settings, path) {
            eprintln!("error: --plot: {e}");
            return 2;
        }
    }
    if report.passed {
        0
    } else {
        1
    }
}

fn grade_command(
    assignment: &std::path::Path,
    paths: &[PathBuf],
    report: &ReportOptions,
    strict: bool,
    opts: GradeOptions,
    jobs: usize,
) -> i32 {
    let (format, out) = (report.format, report.out_dir);
    let loaded = match Assignment::load(assignment) {
        Ok(a) => a,
        Err(e) => {
            eprint!("{}", e.render());
            return 2;
        }
    };
    let mut exclude = vec![assignment.to_path_buf()];
    exclude.extend(out.map(std::path::Path::to_path_buf));
    let grade::Collected {
        submissions: subs,
        notes,
        problems,
    } = grade::collect_submissions(paths, &exclude);
    for p in &problems {
        eprintln!("error: {}", visible(p));
    }
    if !matches!(
        format,
        GradeFormat::Table | GradeFormat::Json | GradeFormat::Html
    ) || out.is_some()
    {
        for n in &notes {
            eprintln!("{}", visible(&n.line()));
        }
    }
    if subs.is_empty() {
        eprintln!("error: no submissions found (.deriv, .tex, .md or .txt files)");
        return 2;
    }
    if let Err(e) = format.fits(out, subs.len()) {
        eprintln!("error: {e}");
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
    let outcome = grade::run::run(&grader, &subs, &notes, report, jobs, &mut stdout, &done);
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
                println!("report: {}", visible(&path.display().to_string()));
            }
            if !problems.is_empty() {
                return 2;
            }
            o.exit_code(strict)
        }
        Err(e) => {
            eprintln!(
                "error: cannot write the report: {}",
                visible(&e.to_string())
            );
            2
        }
    }
}

fn fmt(path: &std::path::Path, latex: bool) -> i32 {
    let text = match check::read_bounded(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {}", visible(&e));
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
            print!("{}", visible(&print_chain(c, latex)));
        }
    }
    0
}
