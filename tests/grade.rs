//! Integration tests of `derivcheck grade`: one behaviour a test.

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};

const PG: &str = "derivations/assignments/policy_gradient";

fn derivcheck() -> Command {
    let mut c = Command::cargo_bin("derivcheck").expect("binary");
    c.env("NO_COLOR", "1");
    c
}

fn run(cmd: &mut Command) -> (String, String, i32) {
    let out = cmd.output().expect("runs");
    (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
        out.status.code().unwrap_or(-1),
    )
}

fn assignment() -> PathBuf {
    Path::new(PG).join("assignment.deriv")
}

fn submissions() -> PathBuf {
    Path::new(PG).join("submissions")
}

/// A folder of submissions written for one test.
fn class(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

const MODEL: &str = "∇_θ J(θ)\n  = ∇_θ Σ_τ Pr_θ(τ) R(τ)\n  = Σ_τ ∇_θ Pr_θ(τ) R(τ)\n  = Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)\n  = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n";
const WRONG: &str = "∇_θ J(θ)\n  = Σ_τ ∇_θ log Pr_θ(τ) R(τ)\n";

#[test]
fn table_has_a_row_per_submission_and_a_summary() {
    let (out, err, code) = run(derivcheck()
        .arg("grade")
        .arg(assignment())
        .arg(submissions()));
    assert_eq!(code, 0, "{out}{err}");
    for row in [
        "ascii                         10 / 10  yes",
        "dropped_log                    0 / 10  no                8  refuted at 8, 9",
        "garbled                        0 / 10  no                5  could not be graded: line 5: unclosed `(`",
    ] {
        assert!(out.contains(row), "missing `{row}`:\n{out}");
    }
    assert!(out.contains("11 submissions: mean"), "{out}");
    assert!(out.contains("could not be graded"), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "colour codes off a terminal:\n{out}"
    );
}

#[test]
fn strict_exits_1_below_full_marks_and_0_at_full_marks() {
    let dir = class(&[("alice.deriv", MODEL), ("bob.deriv", WRONG)]);
    let (out, _, code) = run(derivcheck()
        .args(["grade", "--strict"])
        .arg(assignment())
        .arg(dir.path()));
    assert_eq!(code, 1, "{out}");
    let (out, _, code) = run(derivcheck()
        .args(["grade", "--strict"])
        .arg(assignment())
        .arg(dir.path().join("alice.deriv")));
    assert_eq!(code, 0, "{out}");
    let (out, _, code) = run(derivcheck().arg("grade").arg(assignment()).arg(dir.path()));
    assert_eq!(code, 0, "without --strict a graded batch exits 0:\n{out}");
}

#[test]
fn json_report_has_the_spec_fields() {
    let dir = class(&[("alice.deriv", MODEL), ("bob.deriv", WRONG)]);
    let (out, err, code) = run(derivcheck()
        .args(["grade", "--format", "json"])
        .arg(assignment())
        .arg(dir.path()));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["points"], 10.0);
    assert!(v["assignment"]
        .as_str()
        .unwrap()
        .ends_with("assignment.deriv"));
    let subs = v["submissions"].as_array().unwrap();
    assert_eq!(subs.len(), 2);
    for key in [
        "id",
        "score",
        "max",
        "valid",
        "first_invalid_line",
        "steps",
        "feedback",
    ] {
        assert!(subs[1].get(key).is_some(), "missing {key}");
    }
    assert_eq!(subs[0]["id"], "alice");
    assert_eq!(subs[0]["score"], 10.0);
    assert_eq!(subs[0]["first_invalid_line"], serde_json::Value::Null);
    assert_eq!(subs[1]["valid"], false);
    assert_eq!(subs[1]["first_invalid_line"], 2);
    let step = &subs[1]["steps"][0];
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
    assert!(step["counterexample"]["functions"].is_object(), "{step}");
    assert!(subs[1]["feedback"]
        .as_str()
        .unwrap()
        .contains("Line 2 is refuted"));
}

#[test]
fn csv_is_ready_for_a_gradebook() {
    let dir = class(&[
        ("alice.deriv", MODEL),
        ("bob.deriv", WRONG),
        ("carol.deriv", "x = (\n"),
    ]);
    let (out, _, code) = run(derivcheck()
        .args(["grade", "--format", "csv"])
        .arg(assignment())
        .arg(dir.path()));
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "id,score,max,valid,first_invalid_line\nalice,10,10,true,\nbob,0,10,false,2\ncarol,0,10,false,1\n"
    );
}

fn assert_well_formed_xml(doc: &str) {
    let mut reader = quick_xml::Reader::from_str(doc);
    let mut depth = 0i64;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!(
                "not well-formed at {}: {e}\n{doc}",
                reader.buffer_position()
            ),
        }
    }
    assert_eq!(depth, 0, "{doc}");
}

#[test]
fn junit_report_has_a_suite_a_submission_and_a_case_a_step() {
    let dir = class(&[("alice.deriv", MODEL), ("bob.deriv", WRONG)]);
    let (out, _, code) = run(derivcheck()
        .args(["grade", "--format", "junit"])
        .arg(assignment())
        .arg(dir.path()));
    assert_eq!(code, 0);
    assert_well_formed_xml(&out);
    assert!(
        out.contains("<testsuite name=\"alice\" tests=\"5\" failures=\"0\""),
        "{out}"
    );
    assert!(
        out.contains("<testsuite name=\"bob\" tests=\"2\" failures=\"2\""),
        "{out}"
    );
    assert!(out.contains("<failure message=\"refuted\""), "{out}");
    assert!(
        out.contains("<property name=\"score\" value=\"0\"/>"),
        "{out}"
    );
}

#[test]
fn check_has_a_junit_format_with_a_case_a_step() {
    let (out, _, code) = run(derivcheck().args([
        "check",
        "--format",
        "junit",
        "derivations/policy_gradient.deriv",
        "derivations/flawed/dropped_log.deriv",
    ]));
    assert_eq!(code, 1);
    assert_well_formed_xml(&out);
    assert!(
        out.contains("tests=\"6\" failures=\"0\" errors=\"0\""),
        "{out}"
    );
    assert!(
        out.contains("tests=\"5\" failures=\"2\" errors=\"0\""),
        "{out}"
    );
    assert!(
        out.contains("derivation &quot;policy gradient&quot;: line 25 ="),
        "{out}"
    );
}

#[test]
fn an_unusable_assignment_exits_2_with_file_line_column() {
    let dir = class(&[
        ("assignment.deriv", "param θ\nclaim Q(θ) = 1\n"),
        ("alice.deriv", "Q(θ)\n= 1\n"),
    ]);
    let (out, err, code) = run(derivcheck()
        .arg("grade")
        .arg(dir.path().join("assignment.deriv"))
        .arg(dir.path()));
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("assignment.deriv:2:7"), "{err}");
    assert!(err.contains("undeclared name `Q`"), "{err}");
}

#[test]
fn a_missing_submission_exits_2_after_grading_the_rest() {
    let dir = class(&[("alice.deriv", MODEL)]);
    let (out, _, code) = run(derivcheck()
        .args(["grade", "--format", "csv"])
        .arg(assignment())
        .arg(dir.path().join("alice.deriv"))
        .arg(dir.path().join("nobody.deriv")));
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("alice,10,10,true,"), "{out}");
    assert!(out.contains("nobody,0,10,false,"), "{out}");
}

#[test]
fn hostile_submissions_each_get_their_own_error_and_the_batch_goes_on() {
    let deep = format!("∇_θ J(θ)\n  = {}R(τ){}\n", "(".repeat(500), ")".repeat(500));
    let huge = "x".repeat(70_000);
    let enumeration = "J(θ)\n  = J(θ) + Σ_{i=1}^{20000} Σ_{j=1}^{20000} Σ_{k=1}^{20000} i j k\n";
    let exponent = "J(θ)\n  = J(θ) + 2^99999999 - ((2^64)^64)^64\n";
    let mut many = String::from("J(θ)\n");
    for _ in 0..150 {
        many.push_str("  = J(θ)\n");
    }
    let dir = class(&[
        ("a_deep.deriv", &deep),
        ("b_huge.deriv", &huge),
        ("c_enumeration.deriv", enumeration),
        ("d_exponent.deriv", exponent),
        ("e_many.deriv", &many),
        ("f_model.deriv", MODEL),
        ("g_labels.txt", "A B ;"),
    ]);
    fs::write(dir.path().join("h_binary.deriv"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let started = std::time::Instant::now();
    let (out, err, code) = run(derivcheck()
        .args(["grade", "--format", "json"])
        .arg(assignment())
        .arg(dir.path()));
    assert!(started.elapsed().as_secs() < 60, "{:?}", started.elapsed());
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let subs = v["submissions"].as_array().unwrap();
    let by_id = |id: &str| {
        subs.iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    let feedback = |id: &str| by_id(id)["feedback"].as_str().unwrap().to_string();
    assert_eq!(subs.len(), 8);
    assert!(
        feedback("a_deep").contains("nested more than"),
        "{}",
        feedback("a_deep")
    );
    assert!(feedback("b_huge").contains("larger than the limit"));
    assert!(
        feedback("c_enumeration").contains("could not be decided"),
        "{}",
        feedback("c_enumeration")
    );
    assert!(!feedback("d_exponent").is_empty());
    assert!(
        feedback("e_many").contains("more than 100 steps"),
        "{}",
        feedback("e_many")
    );
    assert_eq!(by_id("f_model")["score"], 10.0);
    assert!(
        feedback("g_labels").contains("unexpected `;`"),
        "{}",
        feedback("g_labels")
    );
    assert!(feedback("h_binary").contains("not UTF-8"));
    for s in subs {
        let score = s["score"].as_f64().unwrap();
        assert!((0.0..=10.0).contains(&score));
    }
}

#[test]
fn leibniz_notation_uses_the_assignments_parameter() {
    let dir = class(&[(
        "carol.deriv",
        "dJ(θ)/dθ\n  = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n",
    )]);
    let (out, _, code) = run(derivcheck()
        .args(["grade", "--format", "csv"])
        .arg(assignment())
        .arg(dir.path()));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("carol,5,10,true,"), "{out}");
}

#[test]
fn latex_and_markdown_submissions_are_graded() {
    let tex = "\\begin{align*}\n\\nabla_\\theta J(\\theta) &= \\mathbb{E}_{\\tau \\sim \\Pr_\\theta}\\left[\\nabla_\\theta \\log \\Pr_\\theta(\\tau) R(\\tau)\\right]\n\\end{align*}\n";
    let dir = class(&[("alice.tex", tex), ("bob.md", "$$ x = \\foo $$\n")]);
    let (out, _, code) = run(derivcheck()
        .args(["grade", "--format", "csv"])
        .arg(assignment())
        .arg(dir.path()));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("alice,5,10,true,"), "{out}");
    assert!(out.contains("bob,0,10,false,"), "{out}");
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|r| {
            r.map(|e| e.unwrap().file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn out_writes_a_feedback_file_a_student_and_the_report() {
    let dir = class(&[("alice.deriv", MODEL), ("bob.deriv", WRONG)]);
    let out = tempfile::tempdir().unwrap();
    let (stdout, err, code) = run(derivcheck()
        .args(["grade", "--format", "html", "--out"])
        .arg(out.path())
        .arg(assignment())
        .arg(dir.path()));
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("report: "), "{stdout}");
    assert_eq!(names_in(out.path()), ["feedback", "report.html", "results"]);
    assert_eq!(
        names_in(&out.path().join("feedback")),
        ["alice.txt", "bob.txt"]
    );
    assert_eq!(
        names_in(&out.path().join("results")),
        ["alice.json", "bob.json"]
    );
    let bob = fs::read_to_string(out.path().join("feedback/bob.txt")).unwrap();
    assert!(bob.starts_with("bob: 0 of 10 points."), "{bob}");
    assert!(bob.contains("counterexample: "), "{bob}");
    assert!(bob.contains("The chain as graded:"), "{bob}");
}

#[test]
fn a_second_run_reuses_finished_results_and_regrades_changed_ones() {
    let dir = class(&[("alice.deriv", MODEL), ("bob.deriv", WRONG)]);
    let out = tempfile::tempdir().unwrap();
    let grade = || {
        run(derivcheck()
            .args(["grade", "--format", "json", "--out"])
            .arg(out.path())
            .arg(assignment())
            .arg(dir.path()))
    };
    let (first, _, _) = grade();
    assert!(!first.contains("taken from an earlier run"), "{first}");
    let report = fs::read_to_string(out.path().join("report.json")).unwrap();
    let (second, _, _) = grade();
    assert!(
        second.contains("0 graded now, 2 taken from an earlier run"),
        "{second}"
    );
    assert_eq!(
        fs::read_to_string(out.path().join("report.json")).unwrap(),
        report
    );
    fs::write(dir.path().join("bob.deriv"), MODEL).unwrap();
    let (third, _, _) = grade();
    assert!(
        third.contains("1 graded now, 1 taken from an earlier run"),
        "{third}"
    );
    let bob = fs::read_to_string(out.path().join("feedback/bob.txt")).unwrap();
    assert!(bob.starts_with("bob: 10 of 10 points."), "{bob}");
}

#[test]
fn an_interrupted_run_finishes_on_the_next_with_nothing_lost_or_duplicated() {
    // Slow submissions (many numeric instances a step, one thread), so the
    // run can be killed half-way.
    let mut files = Vec::new();
    for k in 0..12 {
        files.push((format!("s{k:02}.deriv"), MODEL.to_string()));
    }
    let dir = tempfile::tempdir().unwrap();
    for (n, t) in &files {
        fs::write(dir.path().join(n), t).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let args = |c: &mut Command| {
        c.args([
            "grade",
            "--format",
            "json",
            "--jobs",
            "1",
            "--no-symbolic",
            "--trials",
            "300",
            "--out",
        ])
        .arg(out.path())
        .arg(assignment())
        .arg(dir.path());
    };
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("derivcheck"));
    cmd.args([
        "grade",
        "--format",
        "json",
        "--jobs",
        "1",
        "--no-symbolic",
        "--trials",
        "300",
        "--out",
    ])
    .arg(out.path())
    .arg(assignment())
    .arg(dir.path())
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null());
    let mut child = cmd.spawn().expect("starts");
    let results = out.path().join("results");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while names_in(&results)
        .iter()
        .filter(|n| n.ends_with(".json"))
        .count()
        < 2
    {
        assert!(std::time::Instant::now() < deadline, "no result appeared");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().expect("killed");
    child.wait().unwrap();
    let done_before = names_in(&results).len();
    assert!(
        done_before < 12,
        "the run finished before it could be interrupted"
    );
    assert!(!out.path().join("report.json").exists());

    let mut again = derivcheck();
    args(&mut again);
    let (stdout, err, code) = run(&mut again);
    assert_eq!(code, 0, "{err}");
    let reused: usize = stdout
        .split(" taken from an earlier run")
        .next()
        .and_then(|s| s.rsplit(", ").next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(reused >= 2, "{stdout}");

    let ids: Vec<String> = (0..12).map(|k| format!("s{k:02}")).collect();
    let want = |ext: &str| ids.iter().map(|i| format!("{i}.{ext}")).collect::<Vec<_>>();
    assert_eq!(names_in(&out.path().join("feedback")), want("txt"));
    assert_eq!(names_in(&results), want("json"));
    assert_eq!(
        names_in(out.path()),
        ["feedback", "report.json", "results"],
        "temporary files left"
    );
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.path().join("report.json")).unwrap()).unwrap();
    let got: Vec<&str> = report["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, ids);

    // The resumed report is the report of an uninterrupted run.
    let fresh = tempfile::tempdir().unwrap();
    let (_, _, code) = run(derivcheck()
        .args([
            "grade",
            "--format",
            "json",
            "--jobs",
            "2",
            "--no-symbolic",
            "--trials",
            "300",
            "--out",
        ])
        .arg(fresh.path())
        .arg(assignment())
        .arg(dir.path()));
    assert_eq!(code, 0);
    assert_eq!(
        fs::read_to_string(fresh.path().join("report.json")).unwrap(),
        fs::read_to_string(out.path().join("report.json")).unwrap()
    );
}

#[test]
fn hostile_file_names_never_leave_the_output_directory() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "-rf.deriv",
        "..deriv",
        "a b;rm -rf.deriv",
        "<script>alert(1)<%2Fscript>.deriv",
        "=HYPERLINK(1).deriv",
        "Zoë.deriv",
        "zoë.txt",
        &format!("{}.deriv", "x".repeat(240)),
    ];
    for n in names {
        fs::write(dir.path().join(n), MODEL).unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    // A planted link where a feedback file will go must be replaced, not
    // followed.
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("victim.txt");
    fs::write(&target, "untouched").unwrap();
    fs::create_dir_all(out.path().join("feedback")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&target, out.path().join("feedback/Zoë.txt")).unwrap();
    let mut cmd = derivcheck();
    cmd.args(["grade", "--format", "csv", "--out"])
        .arg(out.path())
        .arg(assignment());
    for n in names {
        cmd.arg(dir.path().join(n));
    }
    let (stdout, err, code) = run(&mut cmd);
    assert_eq!(code, 0, "{stdout}{err}");
    assert_eq!(fs::read_to_string(&target).unwrap(), "untouched");
    let feedback = names_in(&out.path().join("feedback"));
    assert_eq!(feedback.len(), names.len(), "{feedback:?}");
    for f in &feedback {
        assert!(!f.starts_with('.') && !f.starts_with('-'), "{f}");
        assert!(
            f.chars().all(|c| c.is_alphanumeric() || "._-".contains(c)),
            "{f}"
        );
        let p = out.path().join("feedback").join(f);
        assert!(p.symlink_metadata().unwrap().is_file(), "{f}");
    }
    assert!(feedback.contains(&"Zoë.txt".to_string()));
    assert!(feedback.contains(&"zoë-2.txt".to_string()), "{feedback:?}");
    let csv = fs::read_to_string(out.path().join("report.csv")).unwrap();
    for line in csv.lines().skip(1) {
        assert!(!line.starts_with(['=', '+', '-', '@']), "{line}");
    }
}

#[test]
fn results_do_not_depend_on_the_number_of_threads() {
    let report = |jobs: &str| {
        run(derivcheck()
            .args(["grade", "--format", "json", "--jobs", jobs])
            .arg(assignment())
            .arg(submissions()))
        .0
    };
    assert_eq!(report("1"), report("2"));
}

#[test]
fn the_seed_decides_every_random_choice() {
    let report = |seed: &str| {
        run(derivcheck()
            .args(["grade", "--format", "json", "--no-symbolic", "--seed", seed])
            .arg(assignment())
            .arg(submissions().join("dropped_log.deriv")))
        .0
    };
    assert_eq!(report("5"), report("5"));
    assert_ne!(report("5"), report("6"));
}

#[test]
fn an_output_directory_inside_the_submissions_is_not_graded() {
    let dir = class(&[("alice.deriv", MODEL)]);
    let out = dir.path().join("out");
    for _ in 0..2 {
        let (stdout, err, code) = run(derivcheck()
            .args(["grade", "--out"])
            .arg(&out)
            .arg(assignment())
            .arg(dir.path()));
        assert_eq!(code, 0, "{err}");
        assert!(stdout.starts_with("1 submission:"), "{stdout}");
    }
}

#[test]
fn help_teaches_grade() {
    let (out, _, code) = run(derivcheck().args(["grade", "--help"]));
    assert_eq!(code, 0);
    for word in [
        "--format",
        "table",
        "html",
        "--out",
        "--strict",
        "--jobs",
        "--seed",
        "rubric",
        "Exit status",
    ] {
        assert!(out.contains(word), "missing {word}: {out}");
    }
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_submissions_folder_is_refused_reported_and_never_read() {
    use std::os::unix::fs::symlink;
    let secret = class(&[("secret.deriv", "# SECRET-7f3a\n∇_θ J(θ)\n  = ∇_θ J(θ)\n")]);
    let dir = class(&[("alice.deriv", MODEL)]);
    let d = dir.path();
    symlink(secret.path().join("secret.deriv"), d.join("mallory.deriv")).unwrap();
    symlink("/etc/passwd", d.join("eve.deriv")).unwrap();
    let out = tempfile::tempdir().unwrap();
    // In a folder, and named one by one (as a shell's `subs/*` does).
    let named: Vec<PathBuf> = ["alice.deriv", "eve.deriv", "mallory.deriv"]
        .iter()
        .map(|f| d.join(f))
        .collect();
    for paths in [vec![d.to_path_buf()], named] {
        let (table, err, code) = run(derivcheck().arg("grade").arg(assignment()).args(&paths));
        assert_eq!(code, 0, "{table}{err}");
        assert!(
            !table.contains("SECRET") && !table.contains("root:"),
            "{table}"
        );
        for id in ["eve", "mallory"] {
            let row = table.lines().find(|l| l.starts_with(id)).expect(id);
            assert!(row.contains("0 / 10"), "{row}");
            assert!(
                row.contains("is not read: it is a symbolic link to a file outside"),
                "{row}"
            );
        }
        let (json, _, code) = run(derivcheck()
            .args(["grade", "--format", "json", "--out"])
            .arg(out.path())
            .arg(assignment())
            .args(&paths));
        assert_eq!(code, 0, "{json}");
        let report = fs::read_to_string(out.path().join("report.json")).unwrap();
        assert!(!report.contains("SECRET") && !report.contains("root:"));
        let v: serde_json::Value = serde_json::from_str(&report).expect("JSON");
        let mallory = v["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "mallory")
            .expect("a result for the refused file");
        assert_eq!(mallory["score"], 0.0);
        assert!(mallory["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("symbolic link"));
        let feedback = fs::read_to_string(out.path().join("feedback/mallory.txt")).unwrap();
        assert!(
            feedback.contains("is not read: it is a symbolic link"),
            "{feedback}"
        );
        assert!(feedback.contains("submit the file itself"), "{feedback}");
        assert!(!feedback.contains("SECRET"), "{feedback}");
    }
}

#[cfg(unix)]
#[test]
fn link_loops_in_the_submissions_end_with_a_note_in_the_report() {
    use std::os::unix::fs::symlink;
    let dir = class(&[("alice.deriv", MODEL)]);
    let d = dir.path();
    symlink(".", d.join("here")).unwrap();
    symlink(".", d.join("again")).unwrap();
    symlink("alice.deriv", d.join("bob.deriv")).unwrap();
    let (table, err, code) = run(derivcheck()
        .timeout(std::time::Duration::from_secs(20))
        .arg("grade")
        .arg(assignment())
        .arg(d));
    assert_eq!(code, 0, "{table}{err}");
    assert!(table.contains("1 submission: mean 10"), "{table}");
    assert!(
        table.contains("here`: a symbolic link to a directory that holds it (a loop)"),
        "{table}"
    );
    assert!(table.contains("bob.deriv`: the same file as"), "{table}");
    let (json, _, _) = run(derivcheck()
        .args(["grade", "--format", "json"])
        .arg(assignment())
        .arg(d));
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(v["notes"].as_array().unwrap().len(), 3, "{json}");
    let (csv, err, _) = run(derivcheck()
        .args(["grade", "--format", "csv"])
        .arg(assignment())
        .arg(d));
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(err.contains("note: skipped"), "{err}");
}

#[test]
fn a_byte_order_mark_in_a_submission_or_the_assignment_is_skipped() {
    let a = fs::read_to_string(assignment()).unwrap();
    let dir = class(&[
        ("assignment.deriv", &format!("\u{feff}{a}")),
        ("alice.deriv", &format!("\u{feff}{MODEL}")),
        (
            "bob.md",
            "\u{feff}$$\n\\nabla_\\theta J(\\theta) = \\foo\n$$\n",
        ),
    ]);
    let (csv, err, code) = run(derivcheck()
        .args(["grade", "--format", "csv"])
        .arg(dir.path().join("assignment.deriv"))
        .arg(dir.path().join("alice.deriv"))
        .arg(dir.path().join("bob.md")));
    assert_eq!(code, 0, "{csv}{err}");
    assert!(csv.contains("alice,10,10,true,"), "{csv}");
    let (json, _, _) = run(derivcheck()
        .args(["grade", "--format", "json"])
        .arg(dir.path().join("assignment.deriv"))
        .arg(dir.path().join("bob.md")));
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let e = &v["submissions"][0]["errors"][0];
    assert_eq!(
        (e["line"].as_u64(), e["column"].as_u64()),
        (Some(2), Some(27)),
        "{e}"
    );
}

#[test]
fn control_characters_in_a_submission_are_shown_escaped_in_every_text_report() {
    let evil = "∇_θ J(θ)\n  = ∇_θ Σ_τ Pr_θ(τ) R(τ)    by \u{1b}]0;owned\u{7}\u{1b}[2J\n  = Σ_τ ∇_θ log Pr_θ(τ) R(τ)    by \u{1b}[31mtrust me\u{9b}\n";
    let dir = class(&[
        ("evil.deriv", evil),
        ("garbled.deriv", "∇_θ J(θ)\n  = \u{1b}[1m(R(τ)\n"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let raw = |text: &str| {
        ['\u{1b}', '\u{7}', '\u{9b}']
            .iter()
            .any(|c| text.contains(*c))
    };
    let (table, err, code) = run(derivcheck().arg("grade").arg(assignment()).arg(dir.path()));
    assert_eq!(code, 0, "{table}{err}");
    assert!(!raw(&table), "{table}");
    for format in ["html", "junit", "json"] {
        let (_, err, code) = run(derivcheck()
            .args(["grade", "--format", format, "--out"])
            .arg(out.path())
            .arg(assignment())
            .arg(dir.path()));
        assert_eq!(code, 0, "{err}");
        let ext = if format == "junit" { "xml" } else { format };
        let report = fs::read_to_string(out.path().join(format!("report.{ext}"))).unwrap();
        if format == "json" {
            // JSON keeps the exact text, escaped by the JSON syntax.
            let v: serde_json::Value = serde_json::from_str(&report).unwrap();
            let steps = &v["submissions"][0]["steps"];
            assert_eq!(steps[1]["justification"], "by \u{1b}[31mtrust me\u{9b}");
        } else {
            assert!(!raw(&report), "{format}: {report}");
            assert!(report.contains("\\u{1b}[31mtrust me\\u{9b}"), "{format}");
        }
    }
    for id in ["evil", "garbled"] {
        let feedback = fs::read_to_string(out.path().join(format!("feedback/{id}.txt"))).unwrap();
        assert!(!raw(&feedback), "{feedback}");
        assert!(feedback.contains("\\u{1b}"), "{feedback}");
    }
}

#[test]
fn jobs_past_the_bound_is_an_error_naming_the_flag() {
    for bad in ["100000", "257", "-1", "many"] {
        let (out, err, code) = run(derivcheck()
            .args(["grade", &format!("--jobs={bad}")])
            .arg(assignment())
            .arg(submissions()));
        assert_eq!(code, 2, "{bad}: {out}{err}");
        assert!(err.contains("--jobs"), "{bad}: {err}");
        assert!(err.contains("256"), "{bad}: {err}");
    }
    let (out, err, code) = run(derivcheck()
        .args(["grade", "--format", "csv", "--jobs", "256"])
        .arg(assignment())
        .arg(submissions().join("ascii.deriv")));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ascii,10,10,true,"), "{out}");
}

#[test]
fn a_known_mistake_is_named_in_the_feedback_the_json_and_the_html() {
    let dropped = "∇_θ J(θ)\n  = Σ_τ ∇_θ Pr_θ(τ) R(τ)\n  = Σ_τ Pr_θ(τ) ∇_θ Pr_θ(τ) R(τ)\n";
    let dir = class(&[("carol.deriv", dropped)]);
    let (out, err, _) = run(derivcheck()
        .args(["grade", "--format", "json"])
        .arg(assignment())
        .arg(dir.path()));
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let sub = &v["submissions"][0];
    let step = &sub["steps"][1];
    assert_eq!(step["verdict"], "refuted", "{err}{step}");
    assert_eq!(step["mistake"], "dropped-log", "{step}");
    assert!(step["mistake_explanation"]
        .as_str()
        .is_some_and(|e| e.contains("∇p = p ∇ log p")));
    assert!(
        sub["feedback"]
            .as_str()
            .unwrap()
            .contains("known mistake dropped-log: this step drops the log"),
        "{sub}"
    );
    let (html, err, _) = run(derivcheck()
        .args(["grade", "--format", "html"])
        .arg(assignment())
        .arg(dir.path()));
    assert!(html.contains("known mistake dropped-log"), "{err}");
}
