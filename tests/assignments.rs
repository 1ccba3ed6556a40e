//! Every assignment in `derivations/assignments/` is graded, and every
//! sample submission gets the score it states.
//!
//! Expectations are comments in the submissions themselves (`#` in .deriv
//! and .txt files, `<!-- -->` in Markdown):
//! - `expect: score N` — the score it must get (required: a submission
//!   without one fails the test);
//! - `expect feedback: TEXT` — a phrase its feedback must hold.
//!
//! The complete derivations elsewhere in `derivations/` are graded as
//! submissions too, where they answer an assignment: the model answer and
//! the flawed attempt the flawed-derivation exercise starts from.

use derivcheck::grade::batch::grade_batch;
use derivcheck::grade::{collect_submissions, Assignment, GradeOptions, GradeResult, Grader};
use std::path::{Path, PathBuf};

struct Expect {
    score: Option<f64>,
    feedback: Vec<String>,
}

fn expectations(path: &Path) -> Expect {
    let text = std::fs::read_to_string(path).expect("readable");
    let mut e = Expect {
        score: None,
        feedback: vec![],
    };
    for line in text.lines() {
        let line = line.trim().trim_end_matches("-->").trim_end();
        if let Some(at) = line.find("expect: score ") {
            let n = line[at + "expect: score ".len()..].trim();
            e.score = Some(
                n.parse()
                    .unwrap_or_else(|_| panic!("{}: bad score `{n}`", path.display())),
            );
        }
        if let Some(at) = line.find("expect feedback: ") {
            e.feedback
                .push(line[at + "expect feedback: ".len()..].trim().to_string());
        }
    }
    e
}

fn grade_all(assignment: &Path, paths: &[PathBuf]) -> Vec<GradeResult> {
    let a = Assignment::load(assignment).unwrap_or_else(|e| panic!("{}", e.render()));
    let grader = Grader::new(&a, GradeOptions::default());
    let found = collect_submissions(paths, &[assignment.to_path_buf()]);
    assert!(found.problems.is_empty(), "{:?}", found.problems);
    let subs = found.submissions;
    let mut out = Vec::new();
    grade_batch(&grader, &subs, None, 2, &|| {}, &mut |r| {
        out.push(r);
        Ok(())
    })
    .expect("graded");
    out
}

fn check(results: &[GradeResult], failures: &mut Vec<String>) {
    for r in results {
        let e = expectations(Path::new(&r.path));
        match e.score {
            None => failures.push(format!("{}: no `expect: score` comment", r.path)),
            Some(s) if s != r.score => failures.push(format!(
                "{}: scored {}, expected {s}\n{}",
                r.path, r.score, r.feedback
            )),
            Some(_) => {}
        }
        for phrase in &e.feedback {
            if !r.feedback.contains(phrase.as_str()) {
                failures.push(format!(
                    "{}: feedback lacks `{phrase}`\n{}",
                    r.path, r.feedback
                ));
            }
        }
    }
}

#[test]
fn every_sample_submission_gets_its_expected_score() {
    let root = Path::new("derivations/assignments");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("the assignments folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("assignment.deriv").is_file())
        .collect();
    dirs.sort();
    let names: Vec<String> = dirs
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "baseline_assumed",
            "flawed_analysis",
            "ordering",
            "policy_gradient",
            "two_trajectories"
        ]
    );
    let mut failures = Vec::new();
    let mut graded = 0;
    for dir in &dirs {
        let results = grade_all(&dir.join("assignment.deriv"), &[dir.join("submissions")]);
        assert!(results.len() >= 4, "{}: too few samples", dir.display());
        graded += results.len();
        check(&results, &mut failures);
    }
    assert!(graded >= 25, "{graded}");
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn the_model_answer_has_full_marks() {
    for assignment in ["policy_gradient", "flawed_analysis"] {
        let results = grade_all(
            &Path::new("derivations/assignments")
                .join(assignment)
                .join("assignment.deriv"),
            &[PathBuf::from("derivations/policy_gradient.deriv")],
        );
        assert_eq!(results[0].score, 10.0, "{}", results[0].feedback);
        // Its declarations and claim repeat the assignment's word for word,
        // so they are taken as the assignment's, with no note.
        assert!(results[0].notes.is_empty(), "{:?}", results[0].notes);
    }
}

#[test]
fn the_flawed_attempt_scores_as_the_exercise_shows_it() {
    let results = grade_all(
        Path::new("derivations/assignments/flawed_analysis/assignment.deriv"),
        &[PathBuf::from("derivations/flawed/flawed_derivation.deriv")],
    );
    let r = &results[0];
    assert_eq!(r.score, 1.0, "{}", r.feedback);
    assert!(!r.valid);
    assert_eq!(r.steps[1].verdict.name(), "refuted");
    assert_eq!(r.first_invalid_line, Some(r.steps[1].at.line));
}
