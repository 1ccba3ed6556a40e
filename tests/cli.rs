//! Integration tests of the `derivcheck` binary: one behaviour a test.

use assert_cmd::Command;
use std::fs;

fn derivcheck() -> Command {
    let mut c = Command::cargo_bin("derivcheck").expect("binary");
    c.env("NO_COLOR", "1");
    c
}

fn temp_file(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    fs::write(&path, text).expect("write");
    (dir, path)
}

fn stdout_of(cmd: &mut Command) -> (String, i32) {
    let out = cmd.output().expect("runs");
    (
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn valid_derivation_exits_0_and_meets_its_claim() {
    let (out, code) = stdout_of(derivcheck().args(["check", "derivations/policy_gradient.deriv"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("claim met"), "{out}");
    assert!(out.contains("5 steps"), "{out}");
}

#[test]
fn refuted_step_exits_1_with_a_counterexample() {
    let (out, code) =
        stdout_of(derivcheck().args(["check", "derivations/flawed/dropped_log.deriv"]));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("refuted"), "{out}");
    assert!(out.contains("counterexample: |T| = "), "{out}");
    assert!(out.contains("left side = "), "{out}");
    assert!(out.contains("dropped_log.deriv:25:5"), "{out}");
}

#[test]
fn unbalanced_bracket_exits_2_with_file_line_column() {
    let (_d, path) = temp_file(
        "broken.deriv",
        "param θ\nset T\nvar τ in T\nfun R(τ)\n\nΣ_τ R(τ)\n  = Σ_τ (R(τ) + 0\n",
    );
    let (out, code) = stdout_of(derivcheck().arg("check").arg(&path));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("broken.deriv:7:9"), "{out}");
    assert!(out.contains("unclosed `(`"), "{out}");
    assert!(out.contains('^'), "{out}");
    assert!(
        out.contains("0 chains"),
        "the broken chain is not reported valid: {out}"
    );
}

#[test]
fn undeclared_name_exits_2_with_a_hint() {
    let (_d, path) = temp_file("undeclared.deriv", "param θ\n\nQ_θ(x)\n  = 1\n");
    let (out, code) = stdout_of(derivcheck().arg("check").arg(&path));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("undeclared name `Q_θ`"), "{out}");
    assert!(out.contains("hint: declare it"), "{out}");
    assert!(out.contains("undeclared.deriv:3:1"), "{out}");
}

#[test]
fn json_report_has_the_spec_fields() {
    let (out, code) = stdout_of(derivcheck().args([
        "check",
        "--format",
        "json",
        "derivations/flawed/dropped_log.deriv",
    ]));
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let chain = &v["files"][0]["chains"][0];
    assert_eq!(chain["claim"], "not met");
    assert_eq!(chain["valid"], false);
    let step = &chain["steps"][2];
    for key in [
        "line",
        "relation",
        "verdict",
        "justification",
        "detail",
        "counterexample",
    ] {
        assert!(step.get(key).is_some(), "missing {key}: {step}");
    }
    assert_eq!(step["verdict"], "refuted");
    assert_eq!(step["justification"], "by the log-derivative trick");
    assert!(
        step["counterexample"]["functions"]["R(T1)"].is_number(),
        "{step}"
    );
    let summary = &v["summary"];
    for key in [
        "steps",
        "proved",
        "confirmed",
        "estimated",
        "refuted",
        "unknown",
    ] {
        assert!(summary[key].is_number(), "missing {key}");
    }
    assert_eq!(summary["refuted"], 1);
}

#[test]
fn same_seed_gives_the_same_report() {
    let run = |seed: &str| {
        stdout_of(derivcheck().args([
            "check",
            "--format",
            "json",
            "--seed",
            seed,
            "derivations/flawed/forgotten_weight.deriv",
        ]))
        .0
    };
    assert_eq!(run("5"), run("5"));
    assert_ne!(run("5"), run("6"));
}

/// The paths of the files in a `check --format json` report.
fn checked_paths(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json).expect("JSON");
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn directories_are_searched_recursively() {
    let (out, _) = stdout_of(derivcheck().args(["check", "--format", "json", "derivations"]));
    let paths = checked_paths(&out);
    assert!(paths.iter().any(|p| p.contains("flawed/")), "{paths:?}");
    assert!(
        paths.iter().any(|p| p.ends_with("policy_gradient.deriv")),
        "{paths:?}"
    );
}

#[test]
fn without_engines_steps_are_unknown_and_exit_1() {
    let (out, code) = stdout_of(derivcheck().args([
        "check",
        "--no-numeric",
        "--no-symbolic",
        "derivations/policy_gradient.deriv",
    ]));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("5 unknown"), "{out}");
}

#[test]
fn unknown_steps_carry_a_stable_reason_code_in_the_json() {
    // A step the symbolic engine cannot decide (its normal forms differ),
    // then one it proves.
    let text =
        "set T\nvar τ in T\nfun f(τ) : positive\n\nlog f(τ)\n= f(τ) - 1\n\nf(τ)\n= f(τ) + 0\n";
    let (_dir, path) = temp_file("codes.deriv", text);
    let codes = |flags: &[&str]| -> Vec<(String, serde_json::Value, String)> {
        let (out, code) = stdout_of(
            derivcheck()
                .args(["check", "--format", "json"])
                .args(flags)
                .arg(&path),
        );
        assert_eq!(code, 1, "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        v["files"][0]["chains"]
            .as_array()
            .expect("chains")
            .iter()
            .map(|c| &c["steps"][0])
            .map(|s| {
                (
                    s["verdict"].as_str().unwrap_or_default().to_string(),
                    s["reason_code"].clone(),
                    s["detail"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let only_symbolic = codes(&["--no-numeric"]);
    assert_eq!(only_symbolic[0].0, "unknown");
    assert_eq!(only_symbolic[0].1, "inconclusive");
    assert_eq!(only_symbolic[0].2, "symbolic: the normal forms differ");
    assert_eq!(only_symbolic[1].0, "proved");
    assert!(only_symbolic[1].1.is_null(), "{:?}", only_symbolic[1]);
    let none = codes(&["--no-numeric", "--no-symbolic"]);
    assert!(
        none.iter()
            .all(|(v, c, d)| v == "unknown" && c == "no-engine" && d == "no engine is enabled"),
        "{none:?}"
    );
}

#[test]
fn graded_unknown_steps_carry_the_same_reason_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::write(
        dir.path().join("ada.deriv"),
        "∇_θ J(θ)\n  = ∇_θ Σ_τ Pr_θ(τ) R(τ)\n",
    )
    .expect("write");
    let (out, code) = stdout_of(
        derivcheck()
            .args(["grade", "--format", "json", "--no-numeric", "--no-symbolic"])
            .arg("derivations/assignments/policy_gradient/assignment.deriv")
            .arg(dir.path()),
    );
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let step = &v["submissions"][0]["steps"][0];
    assert_eq!(step["verdict"], "unknown", "{step}");
    assert_eq!(step["reason_code"], "no-engine", "{step}");
    assert_eq!(step["credited"], false, "{step}");
    assert_eq!(v["summary"]["steps"]["unknown"], 1, "{v}");
}

#[test]
fn missing_file_exits_2() {
    let (out, code) = stdout_of(derivcheck().args(["check", "no/such/file.deriv"]));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("cannot read"), "{out}");
}

#[test]
fn one_bad_file_does_not_stop_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.deriv"), "x = (\n").unwrap();
    fs::write(
        dir.path().join("b.deriv"),
        "0.7 · 20 + 0.3 · (-10)\n  = 11\n",
    )
    .unwrap();
    let (out, code) = stdout_of(derivcheck().arg("check").arg(dir.path()));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("b.deriv"), "{out}");
    assert!(out.contains("confirmed"), "{out}");
}

#[test]
fn fmt_prints_chains_canonically() {
    let (_d, path) = temp_file(
        "f.deriv",
        "param theta\nset T\nvar tau in T\nfun R(tau)\nfun Pr_theta(tau) : dist tau\n\n\
         grad_theta sum_tau Pr_theta(tau) R(tau)\n  = sum_tau grad_theta Pr_theta(tau) R(tau) by linearity\n",
    );
    let (out, code) = stdout_of(derivcheck().arg("fmt").arg(&path));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("∇_θ Σ_τ Pr_θ(τ) · R(τ)"), "{out}");
    assert!(
        out.contains("= Σ_τ ∇_θ Pr_θ(τ) · R(τ)   by linearity"),
        "{out}"
    );
    let (out, code) = stdout_of(derivcheck().arg("fmt").arg("--latex").arg(&path));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\\begin{align*}"), "{out}");
    assert!(out.contains("\\nabla_{\\theta}"), "{out}");
}

#[test]
fn help_teaches_the_commands() {
    let (out, code) = stdout_of(derivcheck().args(["check", "--help"]));
    assert_eq!(code, 0);
    for flag in [
        "--format",
        "--seed",
        "--trials",
        "--no-symbolic",
        "--no-numeric",
        "--with",
        ".tex",
        "Exit status",
    ] {
        assert!(out.contains(flag), "missing {flag}: {out}");
    }
}

/// A chain in LaTeX without declarations of its own: they come from
/// `--with`.
const STUDENT_TEX: &str = r"\documentclass{article}
\begin{document}
\begin{align*}
\nabla_\theta J(\theta)
  &= \nabla_\theta \sum_\tau \Pr_\theta(\tau) R(\tau) && \text{by definition of $J$} \\
  &= \sum_\tau \nabla_\theta \Pr_\theta(\tau) R(\tau) \\
  &= \sum_\tau \Pr_\theta(\tau) \nabla_\theta \log \Pr_\theta(\tau) R(\tau) \\
  &= \mathbb{E}_{\tau \sim \Pr_\theta}\left[\nabla_\theta \log \Pr_\theta(\tau) R(\tau)\right]
\end{align*}
\end{document}
";

#[test]
fn latex_and_markdown_files_are_checked_with_their_own_declarations() {
    for file in [
        "derivations/latex/policy_gradient.tex",
        "derivations/latex/policy_gradient.md",
    ] {
        let (out, code) = stdout_of(derivcheck().args(["check", file]));
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("claim met"), "{out}");
        assert!(out.contains("5 steps"), "{out}");
    }
}

#[test]
fn a_refuted_latex_step_points_at_its_original_line_and_column() {
    let (out, code) = stdout_of(derivcheck().args([
        "check",
        "--format",
        "json",
        "derivations/latex/flawed_dropped_log.tex",
    ]));
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let step = &v["files"][0]["chains"][0]["steps"][2];
    assert_eq!(step["verdict"], "refuted");
    assert_eq!(step["line"], 29);
    assert_eq!(step["column"], 8);
    assert_eq!(step["justification"], "by the log-derivative trick");
    let (out, _) =
        stdout_of(derivcheck().args(["check", "derivations/latex/flawed_dropped_log.tex"]));
    assert!(out.contains("flawed_dropped_log.tex:29:8"), "{out}");
}

#[test]
fn with_supplies_declarations_and_the_claim_for_latex() {
    let (_d, path) = temp_file("student.tex", STUDENT_TEX);
    let (out, code) = stdout_of(
        derivcheck()
            .args(["check", "--with", "derivations/policy_gradient.deriv"])
            .arg(&path),
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("4 steps"), "{out}");
    assert!(out.contains("claim met"), "{out}");
    // Without the declarations every name is undeclared.
    let (out, code) = stdout_of(derivcheck().arg("check").arg(&path));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("student.tex:4:8"), "{out}");
    assert!(out.contains("not a declared parameter"), "{out}");
}

#[test]
fn errors_in_the_with_file_name_that_file() {
    let dir = tempfile::tempdir().unwrap();
    let decls = dir.path().join("decls.deriv");
    fs::write(&decls, "param θ\nfun f(x\n").unwrap();
    let tex = dir.path().join("a.tex");
    fs::write(&tex, "$$ \\nabla_\\theta 1 = 0 $$\n").unwrap();
    let (out, code) = stdout_of(
        derivcheck()
            .arg("check")
            .arg("--with")
            .arg(&decls)
            .arg(&tex),
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("decls.deriv:2:6"), "{out}");
    assert!(out.contains("a.tex"), "{out}");
    let (out, code) = stdout_of(
        derivcheck()
            .arg("check")
            .arg("--with")
            .arg(dir.path().join("missing.deriv"))
            .arg(&tex),
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("cannot read"), "{out}");
}

#[test]
fn an_unknown_latex_command_is_named_at_its_column() {
    let (_d, path) = temp_file(
        "bad.tex",
        "%! param θ\n\\begin{equation}\n  \\nabla_\\theta \\foo = 0\n\\end{equation}\n",
    );
    let (out, code) = stdout_of(derivcheck().arg("check").arg(&path));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("unknown LaTeX command `\\foo`"), "{out}");
    assert!(out.contains("bad.tex:3:17"), "{out}");
    assert!(out.contains("^^^^"), "{out}");
}

#[test]
fn hostile_latex_gives_a_clear_error_not_a_crash() {
    for (name, text, want) in [
        (
            "braces.tex",
            "$$ \\frac{a}{b $$".to_string(),
            "unclosed `{`",
        ),
        (
            "runaway.tex",
            "\\def\\a{\\a\\a}\n$$ \\a $$".to_string(),
            "expands more than",
        ),
        (
            "deep.md",
            format!("$${}x{}$$", "{".repeat(5000), "}".repeat(5000)),
            "nested more than",
        ),
        (
            "open.tex",
            "\\begin{align}\na &= b\n".to_string(),
            "unclosed `\\begin{align}`",
        ),
        (
            "many.md",
            "$$ a = \\foo $$\n".repeat(150),
            "50 more errors in this file are not shown",
        ),
    ] {
        let (_d, path) = temp_file(name, &text);
        let (out, code) = stdout_of(derivcheck().arg("check").arg(&path));
        assert_eq!(code, 2, "{name}: {out}");
        assert!(out.contains(want), "{name}: {out}");
    }
}

#[test]
fn fmt_reads_latex_and_its_latex_output_reads_back() {
    let (out, code) =
        stdout_of(derivcheck().args(["fmt", "derivations/latex/policy_gradient.tex"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("derivation \"policy gradient\""), "{out}");
    assert!(out.contains("= Σ_τ ∇_θ Pr_θ(τ) · R(τ)"), "{out}");
    let (latex, code) =
        stdout_of(derivcheck().args(["fmt", "--latex", "derivations/latex/policy_gradient.tex"]));
    assert_eq!(code, 0, "{latex}");
    let (_d, path) = temp_file("again.tex", &latex);
    let (again, code) = stdout_of(derivcheck().arg("fmt").arg(&path));
    assert_eq!(code, 0, "{again}");
    assert_eq!(again, out);
}

// derivcheck mc

/// Small and fast: 2 policies on 2-state, 2-action MDPs of horizon 3.
const SMALL_MC: [&str; 11] = [
    "mc",
    "--policies",
    "2",
    "--states",
    "2",
    "--actions",
    "2",
    "--horizon",
    "3",
    "--samples",
    "2000",
];

#[test]
fn mc_passes_and_rejects_the_control_with_exit_0() {
    let (out, code) = stdout_of(derivcheck().arg("mc"));
    assert_eq!(code, 0, "{out}");
    for row in ["reinforce", "reward-to-go", "baseline", "score-without-log"] {
        assert!(out.contains(&format!("  {row} ")), "missing {row}: {out}");
    }
    assert!(out.contains("pass: control rejected"), "{out}");
    assert!(out.contains("false-alarm rate 0.001"), "{out}");
    assert!(out.contains("\npassed: "), "{out}");
}

#[test]
fn mc_json_reports_statistics_and_variances() {
    let (out, code) = stdout_of(derivcheck().args(SMALL_MC).args(["--format", "json"]));
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["passed"], true);
    let estimators = v["estimators"].as_array().unwrap();
    let names: Vec<&str> = estimators
        .iter()
        .map(|e| e["estimator"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["reinforce", "reward-to-go", "baseline", "score-without-log"]
    );
    for e in estimators {
        assert!(
            e["statistic"].is_number() && e["variance"].is_number(),
            "{e}"
        );
        assert_eq!(e["pass"], true, "{e}");
    }
    assert_eq!(estimators[3]["rejected"], true);
    assert_eq!(v["policies"].as_array().unwrap().len(), 2);
    assert_eq!(v["policies"][0]["gradient"].as_array().unwrap().len(), 4);
    assert_eq!(v["settings"]["trajectories"], 64);
}

#[test]
fn mc_one_estimator_is_tested_with_the_control() {
    let (out, code) = stdout_of(derivcheck().args(SMALL_MC).args([
        "--estimator",
        "reward-to-go",
        "--format",
        "json",
    ]));
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let names: Vec<&str> = v["estimators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["estimator"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["reward-to-go", "score-without-log"]);
}

#[test]
fn mc_exits_1_when_a_true_estimator_is_rejected() {
    // At a false-alarm rate of 0.5 a correct estimator is rejected half the
    // time; with this seed REINFORCE and the baseline are.
    let (out, code) = stdout_of(derivcheck().args([
        "mc",
        "--false-alarm",
        "0.5",
        "--policies",
        "2",
        "--samples",
        "1000",
        "--states",
        "2",
        "--actions",
        "2",
        "--horizon",
        "2",
        "--seed",
        "1",
    ]));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL: rejected"), "{out}");
    assert!(out.contains("failed: "), "{out}");
}

#[test]
fn mc_same_seed_same_report_on_one_or_two_threads() {
    let run = |threads: &str, seed: &str| {
        let (out, code) = stdout_of(
            derivcheck()
                .env("RAYON_NUM_THREADS", threads)
                .args(&SMALL_MC[..SMALL_MC.len() - 2])
                .args(["--samples", "9000", "--format", "json", "--seed", seed]),
        );
        assert_eq!(code, 0, "{out}");
        out
    };
    let one = run("1", "7");
    assert_eq!(one, run("2", "7"));
    assert_ne!(one, run("2", "8"));
}

#[test]
fn mc_out_of_bounds_flags_exit_2_naming_the_flag() {
    for (args, message) in [
        (vec!["--states", "0"], "--states: must be at least 1"),
        (vec!["--actions", "1"], "--actions: must be at least 2"),
        (vec!["--policies", "0"], "--policies: must be between 1 and"),
        (
            vec!["--states", "1000000", "--actions", "1000000"],
            "--states: |S|·|A|",
        ),
        (
            vec!["--horizon", "1000000000"],
            "--horizon: the exact gradient enumerates",
        ),
        (vec!["--samples", "10"], "--samples: must be at least"),
        (
            vec!["--samples", "18446744073709551615"],
            "--samples: this run needs about",
        ),
        (
            vec!["--false-alarm", "2"],
            "--false-alarm: must be in (0, 0.5]",
        ),
        (
            vec!["--plot", "estimate.pdf"],
            "--plot: cannot tell the format",
        ),
        (vec!["--states", "99999999999999999999999"], "invalid value"),
        (vec!["--estimator", "vanilla"], "invalid value"),
    ] {
        let (out, code) = stdout_of(derivcheck().arg("mc").args(&args));
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(out.contains(message), "{args:?}: {out}");
        assert!(!out.contains("panicked"), "{args:?}: {out}");
    }
}

#[test]
fn mc_plot_writes_svg_and_png() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["estimate.svg", "estimate.png"] {
        let path = dir.path().join(name);
        let (out, code) = stdout_of(derivcheck().args(SMALL_MC).arg("--plot").arg(&path));
        assert_eq!(code, 0, "{out}");
        let bytes = fs::read(&path).expect("the plot is written");
        if name.ends_with(".svg") {
            let svg = String::from_utf8(bytes).unwrap();
            assert!(svg.contains("<svg") && svg.contains("exact value"), "{svg}");
        } else {
            assert_eq!(&bytes[1..4], b"PNG");
        }
    }
    let (out, code) = stdout_of(
        derivcheck()
            .args(SMALL_MC)
            .args(["--plot", "/no/such/dir/estimate.svg"]),
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("cannot write the plot"), "{out}");
}

#[test]
fn mc_help_names_every_flag_and_the_exit_status() {
    let (out, code) = stdout_of(derivcheck().args(["mc", "--help"]));
    assert_eq!(code, 0);
    for flag in [
        "--policies",
        "--samples",
        "--states",
        "--actions",
        "--horizon",
        "--seed",
        "--estimator",
        "--false-alarm",
        "--plot",
        "--format",
        "reward-to-go",
        "Exit status",
    ] {
        assert!(out.contains(flag), "missing {flag}: {out}");
    }
}

/// A folder for one test, with these files.
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).expect("folder");
        fs::write(path, text).expect("write");
    }
    dir
}

const VALID: &str = "const c\n\nc + 0\n  = c\n";

#[cfg(unix)]
#[test]
fn link_loops_end_with_a_note_and_every_file_is_checked_once() {
    use std::os::unix::fs::symlink;
    let dir = folder(&[("a.deriv", VALID), ("sub/b.deriv", VALID)]);
    let d = dir.path();
    symlink(".", d.join("here")).unwrap();
    symlink(".", d.join("again")).unwrap();
    symlink("..", d.join("sub/loop")).unwrap();
    symlink("../a.deriv", d.join("sub/same.deriv")).unwrap();
    let (out, code) = stdout_of(
        derivcheck()
            .timeout(std::time::Duration::from_secs(20))
            .args(["check", "--format", "json"])
            .arg(d),
    );
    assert_eq!(code, 0, "{out}");
    let paths = checked_paths(&out);
    assert_eq!(paths.len(), 2, "{paths:?}");
    assert!(paths[0].ends_with("a.deriv") && paths[1].ends_with("sub/b.deriv"));
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let notes = v["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 4, "{notes:?}");
    let (text, code) = stdout_of(derivcheck().arg("check").arg(d));
    assert_eq!(code, 0, "{text}");
    for name in ["again", "here", "sub/loop"] {
        assert!(
            text.contains(&format!(
                "note: skipped `{}`: a symbolic link to a directory that holds it (a loop)",
                d.join(name).display()
            )),
            "{name}: {text}"
        );
    }
    assert!(text.contains("same.deriv`: the same file as"), "{text}");
    assert!(text.contains("2 files, 2 chains (2 valid)"), "{text}");
}

#[cfg(unix)]
#[test]
fn links_out_of_the_folder_checked_are_skipped_with_a_note() {
    use std::os::unix::fs::symlink;
    let outside = folder(&[("far.deriv", VALID)]);
    let dir = folder(&[("a.deriv", VALID)]);
    symlink(
        outside.path().join("far.deriv"),
        dir.path().join("far.deriv"),
    )
    .unwrap();
    symlink(outside.path(), dir.path().join("elsewhere")).unwrap();
    let (out, code) = stdout_of(derivcheck().arg("check").arg(dir.path()));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("far.deriv`: a symbolic link to a file outside"),
        "{out}"
    );
    assert!(
        out.contains("elsewhere`: a symbolic link to a directory outside"),
        "{out}"
    );
    assert!(out.contains("1 files, 1 chains"), "{out}");
    // Named itself, a link is read: the user chose it.
    let (out, code) = stdout_of(derivcheck().arg("check").arg(dir.path().join("far.deriv")));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 files, 1 chains"), "{out}");
}

#[test]
fn a_byte_order_mark_is_skipped_and_columns_stay_right() {
    const BOM: &str = "\u{feff}";
    let dir = folder(&[
        ("ok.deriv", &format!("{BOM}{VALID}")),
        ("bad.deriv", &format!("{BOM}const c\n\nc + (0\n  = c\n")),
        (
            "ok.md",
            &format!("{BOM}```deriv\nconst c\n```\n\n$$\nc + 0 = c\n$$\n"),
        ),
        ("ok.tex", &format!("{BOM}%! const c\n$$ c + 0 = c $$\n")),
        ("decls.deriv", &format!("{BOM}const c\n")),
        ("with.tex", &format!("{BOM}$$ c = c + 0 $$\n")),
    ]);
    let d = dir.path();
    let (out, code) = stdout_of(derivcheck().arg("check").arg(d.join("bad.deriv")));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("bad.deriv:3:5"), "{out}");
    let (out, code) = stdout_of(
        derivcheck()
            .arg("check")
            .args(["ok.deriv", "ok.md", "ok.tex"].map(|f| d.join(f))),
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 files, 3 chains (3 valid)"), "{out}");
    let (out, code) = stdout_of(
        derivcheck()
            .arg("check")
            .arg("--with")
            .arg(d.join("decls.deriv"))
            .arg(d.join("with.tex")),
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 files, 1 chains (1 valid)"), "{out}");
    let (out, code) = stdout_of(derivcheck().arg("fmt").arg(d.join("ok.deriv")));
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "    c + 0\n  = c\n");
}

#[test]
fn control_characters_from_a_file_are_printed_escaped_and_kept_in_json() {
    let dir = folder(&[
        (
            "evil\u{1b}[31m.deriv",
            "const c\nderivation \"n\u{1b}]0;pwned\u{7}\"\nc + 0\n  = c     by evil \u{1b}[2J\u{202e}\n",
        ),
        ("broken.deriv", "const c\n\nc\u{1b}[8m + (c\n  = c\n"),
        (
            "broken.md",
            "$$\n\\nabla_\\theta \u{1b}[5m J = \\foo\u{9b}\n$$\n",
        ),
    ]);
    let (out, code) = stdout_of(derivcheck().arg("check").arg(dir.path()));
    assert_eq!(code, 2, "{out}");
    for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
        assert!(!out.contains(bad), "{bad:?} printed raw:\n{out}");
    }
    for shown in [
        "evil\\u{1b}[31m.deriv",
        "derivation \"n\\u{1b}]0;pwned\\u{7}\"",
        "by evil \\u{1b}[2J\\u{202e}",
        "c\\u{1b}[8m + (c",
        "broken.deriv:3:",
        "\\foo\\u{9b}",
    ] {
        assert!(out.contains(shown), "missing {shown}:\n{out}");
    }
    let (json, _) = stdout_of(
        derivcheck()
            .args(["check", "--format", "json"])
            .arg(dir.path()),
    );
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let evil = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().contains("evil"))
        .unwrap();
    assert_eq!(
        evil["chains"][0]["steps"][0]["justification"],
        "by evil \u{1b}[2J\u{202e}"
    );
    assert_eq!(evil["chains"][0]["name"], "n\u{1b}]0;pwned\u{7}");
    let (xml, _) = stdout_of(
        derivcheck()
            .args(["check", "--format", "junit"])
            .arg(dir.path()),
    );
    assert!(!xml.contains('\u{1b}') && xml.contains("\\u{1b}"), "{xml}");
}

#[test]
fn a_claim_no_chain_proves_is_reported_and_exits_1() {
    let path = "derivations/unproved_claims.deriv";
    let (out, code) = stdout_of(derivcheck().args(["check", path]));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("claim baseline `E_{τ ~ Pr_θ}[∇_θ log Pr_θ(τ) · b] = 0` (derivations/unproved_claims.deriv:15:1): not met: no chain proves it"),
        "{out}"
    );
    assert!(
        out.contains("claim `Σ_τ Pr_θ(τ) = 1` (derivations/unproved_claims.deriv:22:1): not met: no chain follows it"),
        "{out}"
    );
    assert!(out.contains("2 claims no chain proves"), "{out}");
    let (json, code) = stdout_of(derivcheck().args(["check", "--format", "json", path]));
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let unproved = v["files"][0]["unproved_claims"].as_array().unwrap();
    assert_eq!(unproved.len(), 2, "{json}");
    assert_eq!(unproved[0]["name"], "baseline");
    assert_eq!(unproved[0]["status"], "not met");
    assert_eq!(
        (unproved[1]["line"].as_u64(), unproved[1]["column"].as_u64()),
        (Some(22), Some(1))
    );
    let (xml, code) = stdout_of(derivcheck().args(["check", "--format", "junit", path]));
    assert_eq!(code, 1);
    assert!(xml.contains("failures=\"2\""), "{xml}");
    // The claim of a --with file counts for each file it applies to.
    let dir = folder(&[
        ("decls.deriv", "const c\nclaim c + 0 = c\n"),
        ("proves.tex", "$$ c + 0 = c $$\n"),
        ("prose.md", "No formula here.\n"),
    ]);
    let (out, code) = stdout_of(
        derivcheck()
            .arg("check")
            .arg("--with")
            .arg(dir.path().join("decls.deriv"))
            .arg(dir.path().join("proves.tex")),
    );
    assert_eq!(code, 0, "{out}");
    let (out, code) = stdout_of(
        derivcheck()
            .arg("check")
            .arg("--with")
            .arg(dir.path().join("decls.deriv"))
            .arg(dir.path().join("prose.md")),
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("decls.deriv:2:1): not met"), "{out}");
}

#[test]
fn with_accepts_declarations_repeated_word_for_word_and_rejects_others() {
    let seed = fs::read_to_string("derivations/policy_gradient.deriv").unwrap();
    let decls: String = seed
        .lines()
        .take_while(|l| !l.starts_with("derivation"))
        .map(|l| format!("{l}\n"))
        .collect();
    let copied = format!(
        "```deriv\n{decls}```\n\n$$\n\\nabla_\\theta J(\\theta) = \\sum_\\tau \\nabla_\\theta \\Pr_\\theta(\\tau) R(\\tau)\n$$\n"
    );
    let dir = folder(&[
        ("copied.md", &copied),
        (
            "conflict.tex",
            "%! fun R(τ) : positive\n$$ R(\\tau) = R(\\tau) $$\n",
        ),
    ]);
    let with = ["check", "--with", "derivations/policy_gradient.deriv"];
    let (out, code) = stdout_of(derivcheck().args(with).arg(dir.path().join("copied.md")));
    assert!(!out.contains("declared twice"), "{out}");
    assert!(out.contains("1 files, 1 chains"), "{out}");
    assert_eq!(code, 1, "the claim's right side is not reached: {out}");
    let (out, code) = stdout_of(derivcheck().args(with).arg(dir.path().join("conflict.tex")));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("declared twice"), "{out}");
    assert!(out.contains("conflict.tex:1:"), "{out}");
}

#[test]
fn a_latex_block_with_an_error_leaves_the_blocks_before_it_checked() {
    let dir = folder(&[(
        "two.tex",
        "%! const c\n\\begin{align*}\nc + 0 &= c\n\\end{align*}\nand then\n\\begin{align*}\nc &= \\foo\n\\end{align*}\n",
    )]);
    let (out, code) = stdout_of(derivcheck().arg("check").arg(dir.path().join("two.tex")));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("two.tex:7:6"), "{out}");
    assert!(out.contains("unknown LaTeX command `\\foo`"), "{out}");
    assert!(out.contains("chain (line 3)"), "{out}");
    assert!(
        out.contains("1 files, 1 chains (1 valid), 1 steps"),
        "{out}"
    );
}

#[test]
fn a_refuted_step_names_its_known_mistake_in_text_and_json() {
    let (out, code) =
        stdout_of(derivcheck().args(["check", "derivations/flawed/log_of_sum.deriv"]));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("known mistake log-of-sum: this step splits the log of a sum"),
        "{out}"
    );
    let (out, _) = stdout_of(derivcheck().args([
        "check",
        "--format",
        "json",
        "derivations/flawed/log_of_sum.deriv",
    ]));
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let steps = v["files"][0]["chains"][0]["steps"]
        .as_array()
        .expect("steps");
    let named: Vec<&str> = steps.iter().filter_map(|s| s["mistake"].as_str()).collect();
    assert_eq!(named, ["log-of-sum"], "{out}");
    let refuted = steps.iter().find(|s| s["verdict"] == "refuted").unwrap();
    assert!(refuted["mistake_explanation"]
        .as_str()
        .is_some_and(|e| e.contains("holds only for products")));
    // A valid step carries no mistake fields at all.
    assert!(steps[0].get("mistake").is_none(), "{out}");
}
