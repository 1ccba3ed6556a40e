//! Integration tests of the exports for learning management systems:
//! Gradescope's `results.json` and the Canvas and Moodle gradebooks. Each
//! is read back the way its consumer reads it: the gradebooks with a CSV
//! parser, `results.json` against the fields Gradescope documents.

use assert_cmd::Command;
use serde_json::Value;
use std::fs;

const PG: &str = "derivations/assignments/policy_gradient";
const TT: &str = "derivations/assignments/two_trajectories";

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

// ------------------------------------------------------------ Gradescope

fn number(v: &Value, what: &str) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {v}"))
}

/// The fields of Gradescope's autograder specification, with their types
/// and values: a top-level `score` (or a score on every test), optional
/// `output`, formats and visibility from their lists, and `tests` with
/// `name`, `number`, `output` strings, `score`/`max_score` numbers, a
/// `status` of `passed` or `failed`. Unknown fields are an error.
#[track_caller]
fn assert_gradescope_results(doc: &Value) {
    const FORMATS: [&str; 5] = ["text", "simple_format", "html", "md", "ansi"];
    const VISIBILITY: [&str; 4] = ["hidden", "after_due_date", "after_published", "visible"];
    let top = doc.as_object().expect("an object");
    for key in top.keys() {
        assert!(
            [
                "score",
                "execution_time",
                "output",
                "output_format",
                "test_output_format",
                "test_name_format",
                "visibility",
                "stdout_visibility",
                "extra_data",
                "tests",
                "leaderboard"
            ]
            .contains(&key.as_str()),
            "unknown field {key}"
        );
    }
    number(&doc["score"], "score");
    assert!(doc["output"].is_string());
    for f in ["output_format", "test_output_format", "test_name_format"] {
        assert!(FORMATS.contains(&doc[f].as_str().unwrap()), "{f}");
    }
    assert!(VISIBILITY.contains(&doc["visibility"].as_str().unwrap()));
    assert!(doc["extra_data"].is_object());
    for t in doc["tests"].as_array().expect("tests") {
        for key in t.as_object().unwrap().keys() {
            assert!(
                [
                    "score",
                    "max_score",
                    "status",
                    "name",
                    "name_format",
                    "number",
                    "output",
                    "output_format",
                    "tags",
                    "visibility",
                    "extra_data"
                ]
                .contains(&key.as_str()),
                "unknown test field {key}"
            );
        }
        assert!(t["name"].is_string() && t["number"].is_string() && t["output"].is_string());
        assert!(["passed", "failed"].contains(&t["status"].as_str().unwrap()));
        assert_eq!(
            t.get("score").is_some(),
            t.get("max_score").is_some(),
            "{t}"
        );
        if let Some(s) = t.get("score") {
            let (s, m) = (number(s, "score"), number(&t["max_score"], "max_score"));
            assert_eq!(t["status"] == "passed", s >= m, "{t}");
        }
    }
}

fn gradescope_of(submission: &str) -> Value {
    let (out, err, code) = run(derivcheck()
        .args(["grade", "--format", "gradescope"])
        .arg(format!("{PG}/assignment.deriv"))
        .arg(format!("{PG}/submissions/{submission}")));
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn gradescope_results_have_a_test_a_rubric_part_and_a_step() {
    let doc = gradescope_of("dropped_log.deriv");
    assert_gradescope_results(&doc);
    assert_eq!(doc["score"], 0.0);
    assert_eq!(doc["output_format"], "text");
    assert!(doc["output"]
        .as_str()
        .unwrap()
        .starts_with("dropped_log: 0 of 10 points."));
    let tests = doc["tests"].as_array().unwrap();
    let parts: Vec<(&str, f64, f64)> = tests
        .iter()
        .filter(|t| t.get("score").is_some())
        .map(|t| {
            (
                t["number"].as_str().unwrap(),
                number(&t["score"], "score"),
                number(&t["max_score"], "max_score"),
            )
        })
        .collect();
    // start, finish, steps, the milestone, the refuted steps.
    assert_eq!(
        parts,
        [
            ("1.1", 1.0, 1.0),
            ("1.2", 0.0, 3.0),
            ("1.3", 2.0, 4.0),
            ("1.4", 0.0, 2.0),
            ("1.5", -4.0, 0.0)
        ]
    );
    let steps: Vec<(&str, &str)> = tests
        .iter()
        .filter(|t| t.get("score").is_none())
        .map(|t| (t["number"].as_str().unwrap(), t["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("2.1", "passed"),
            ("2.2", "passed"),
            ("2.3", "failed"),
            ("2.4", "failed")
        ]
    );
    let refuted = &tests[7];
    assert!(refuted["name"].as_str().unwrap().starts_with("Line 8: = "));
    assert!(refuted["output"]
        .as_str()
        .unwrap()
        .contains("\ncounterexample: |T| = "));
}

#[test]
fn gradescope_results_of_full_marks_and_of_an_unusable_submission() {
    let answer = gradescope_of("answer.md");
    assert_gradescope_results(&answer);
    assert_eq!(answer["score"], 10.0);
    assert!(answer["tests"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["status"] == "passed"));
    let garbled = gradescope_of("garbled.deriv");
    assert_gradescope_results(&garbled);
    assert_eq!(garbled["score"], 0.0);
    let tests = garbled["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 1);
    assert_eq!(tests[0]["status"], "failed");
    assert!(tests[0]["output"]
        .as_str()
        .unwrap()
        .contains("unclosed `(`"));
}

#[test]
fn gradescope_takes_one_submission_or_an_output_directory() {
    let (out, err, code) = run(derivcheck()
        .args(["grade", "--format", "gradescope"])
        .arg(format!("{PG}/assignment.deriv"))
        .arg(format!("{PG}/submissions")));
    assert_eq!(code, 2);
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("--format gradescope prints the results.json of one submission, and 11 were found; with --out DIR each gets DIR/gradescope/ID/results.json"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let (out, err, code) = run(derivcheck()
        .args(["grade", "--format", "gradescope", "--out"])
        .arg(dir.path())
        .arg(format!("{PG}/assignment.deriv"))
        .arg(format!("{PG}/submissions")));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("report: "), "{out}");
    let mut top: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, ["feedback", "gradescope", "results"]);
    let ids: Vec<String> = fs::read_dir(dir.path().join("gradescope"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(ids.len(), 11, "{ids:?}");
    for id in &ids {
        let own = dir.path().join("gradescope").join(id);
        let names: Vec<String> = fs::read_dir(&own)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["results.json"], "no temporary file is left");
        let doc: Value =
            serde_json::from_str(&fs::read_to_string(own.join("results.json")).unwrap()).unwrap();
        assert_gradescope_results(&doc);
        assert_eq!(doc["extra_data"]["id"], id.as_str());
    }
    // The same file as a single submission's standard output.
    let alone = gradescope_of("one_leap.deriv");
    let written: Value = serde_json::from_str(
        &fs::read_to_string(dir.path().join("gradescope/one_leap/results.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(alone, written);
}

// ------------------------------------------------------ Canvas and Moodle

fn gradebook(format: &str, extra: &[&str]) -> (csv::StringRecord, Vec<csv::StringRecord>) {
    let (out, err, code) = run(derivcheck()
        .args(["grade", "--format", format])
        .args(extra)
        .arg(format!("{TT}/assignment.deriv"))
        .arg(format!("{TT}/submissions")));
    assert_eq!(code, 0, "{err}");
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let header = reader.headers().expect("a header").clone();
    let rows = reader
        .records()
        .map(|r| r.expect("a well-formed row"))
        .collect();
    (header, rows)
}

#[test]
fn the_canvas_gradebook_has_canvas_columns_points_possible_and_a_row_a_student() {
    let (header, rows) = gradebook("canvas", &[]);
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        [
            "Student",
            "ID",
            "SIS User ID",
            "SIS Login ID",
            "Section",
            "assignment"
        ]
    );
    assert_eq!(
        rows[0].iter().collect::<Vec<_>>(),
        ["Points Possible", "", "", "", "", "8"]
    );
    let students: Vec<(&str, &str, &str)> =
        rows[1..].iter().map(|r| (&r[0], &r[3], &r[5])).collect();
    assert_eq!(
        students,
        [
            ("answer_only", "answer_only", "5"),
            ("labels", "labels", "0"),
            ("reordered", "reordered", "8"),
            ("right", "right", "8"),
            ("sign_error", "sign_error", "1"),
            ("unweighted", "unweighted", "0"),
        ]
    );
    for r in &rows {
        assert_eq!(r.len(), 6);
    }
}

#[test]
fn a_gradebook_column_is_named_on_the_command_line_and_quoted() {
    let (header, _) = gradebook(
        "canvas",
        &["--gradebook-column", "Two paths, one \"J\" (4242)"],
    );
    assert_eq!(&header[5], "Two paths, one \"J\" (4242)");
    let (header, rows) = gradebook("moodle", &["--gradebook-column", "Two paths, part 1"]);
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        ["Username", "Two paths, part 1", "Feedback"]
    );
    assert_eq!(rows.len(), 6);
}

#[test]
fn the_moodle_gradebook_has_a_username_a_grade_and_feedback() {
    let (header, rows) = gradebook("moodle", &[]);
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        ["Username", "assignment", "Feedback"]
    );
    let sign_error = rows.iter().find(|r| &r[0] == "sign_error").unwrap();
    assert_eq!(&sign_error[1], "1");
    assert_eq!(
        &sign_error[2],
        "refuted at 6; no finish; 1 milestone missed"
    );
    let right = rows.iter().find(|r| &r[0] == "right").unwrap();
    assert_eq!(&right[2], "full marks");
}

#[test]
fn gradebooks_with_an_output_directory_have_their_own_report_names() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["canvas", "moodle"] {
        let (_, err, code) = run(derivcheck()
            .args(["grade", "--format", format, "--out"])
            .arg(dir.path())
            .arg(format!("{TT}/assignment.deriv"))
            .arg(format!("{TT}/submissions")));
        assert_eq!(code, 0, "{err}");
    }
    let canvas = fs::read_to_string(dir.path().join("report.canvas.csv")).unwrap();
    let moodle = fs::read_to_string(dir.path().join("report.moodle.csv")).unwrap();
    assert!(canvas.starts_with("Student,ID,SIS User ID,SIS Login ID,Section,"));
    assert!(moodle.starts_with("Username,"));
}
