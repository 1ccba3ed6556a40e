//! Integration tests of the exports for learning management systems and
//! CI: Gradescope's `results.json`, the Canvas and Moodle gradebooks, SARIF
//! and GitHub workflow commands. Each is read back the way its consumer
//! reads it: SARIF against the official SARIF 2.1.0 schema, the gradebooks
//! with a CSV parser, `results.json` against the fields Gradescope
//! documents, the workflow commands with a parser written from GitHub's
//! description of them.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

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

/// A folder of files written for one test.
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        fs::write(dir.path().join(name), text).expect("write");
    }
    dir
}

const DECLARATIONS: &str = "param θ\nset T\nvar τ in T\nfun R(τ)\nfun Pr_θ(τ) : dist τ\n";

// ---------------------------------------------------------------- SARIF

/// The official SARIF 2.1.0 schema (tests/data/README.md says where it is
/// from), as a draft-04 validator.
fn sarif_validator() -> jsonschema::Validator {
    let text = fs::read_to_string("tests/data/sarif-schema-2.1.0.json").expect("schema");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::draft4::new(&schema).expect("the schema compiles")
}

#[track_caller]
fn assert_valid_sarif(log: &Value) {
    let errors: Vec<String> = sarif_validator()
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not valid SARIF 2.1.0:\n{}\n{log:#}",
        errors.join("\n")
    );
}

fn sarif_of(paths: &[&Path]) -> (Value, i32) {
    let (out, err, code) = run(derivcheck()
        .args(["check", "--format", "sarif"])
        .args(paths));
    let log = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    (log, code)
}

#[test]
fn the_validator_rejects_what_sarif_forbids() {
    // The test of the tests: a log the schema must refuse.
    let bad = serde_json::json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {}}, "results": [{"level": "fatal"}]}]
    });
    assert!(!sarif_validator().is_valid(&bad));
}

#[test]
fn sarif_is_valid_for_every_kind_of_finding() {
    let odd = folder(&[
        (
            "a ,b:é.deriv",
            &format!("{DECLARATIONS}\nΣ_τ R(τ)\n  = 2 Σ_τ R(τ)   by \u{1b}[31mdoubling\n"),
        ),
        (
            "fine.deriv",
            &format!("{DECLARATIONS}\nΣ_τ R(τ)\n  = Σ_τ R(τ) + 0\n"),
        ),
    ]);
    let paths = [
        Path::new("tests/data/findings.deriv"),
        Path::new("tests/data/unclosed.deriv"),
        Path::new("tests/data/undecided.deriv"),
        Path::new("derivations/flawed/dropped_log.deriv"),
        Path::new("derivations/policy_gradient.deriv"),
        odd.path(),
        Path::new("no/such/file.deriv"),
    ];
    let (log, code) = sarif_of(&paths);
    assert_eq!(code, 2, "an unusable file makes the exit status 2");
    assert_valid_sarif(&log);
    let run = &log["runs"][0];
    let rules: Vec<(&str, &str)> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap(),
                r["defaultConfiguration"]["level"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            ("refuted", "error"),
            ("unknown", "warning"),
            ("unusable-input", "error"),
            ("claim-not-met", "error")
        ]
    );
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for r in run["results"].as_array().unwrap() {
        *count.entry(r["ruleId"].as_str().unwrap()).or_default() += 1;
        let rule = &run["tool"]["driver"]["rules"][r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], r["ruleId"]);
        assert_eq!(r["level"], rule["defaultConfiguration"]["level"]);
        assert_eq!(
            r["partialFingerprints"]["derivcheckFinding/v1"]
                .as_str()
                .unwrap()
                .len(),
            16
        );
    }
    // findings: 1 refuted, 2 claims; unclosed: 1 error; undecided: 1
    // unknown; dropped_log: 1 refuted; the odd name: 1 refuted; the missing
    // file: 1 error.
    assert_eq!(
        count,
        BTreeMap::from([
            ("claim-not-met", 2),
            ("refuted", 3),
            ("unknown", 1),
            ("unusable-input", 2)
        ])
    );
    let text = log.to_string();
    assert!(
        text.contains("a%20%2Cb%3A%C3%A9.deriv"),
        "the odd name is percent-encoded"
    );
    assert!(
        !text.contains('\u{1b}'),
        "control characters are shown escaped"
    );
    assert!(text.contains("\\\\u{1b}[31mdoubling"), "{text}");
}

#[test]
fn sarif_puts_a_refuted_step_on_its_line_with_the_counterexample() {
    let (log, code) = sarif_of(&[Path::new("derivations/flawed/dropped_log.deriv")]);
    assert_eq!(code, 1);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{log:#}");
    let r = &results[0];
    assert_eq!(r["ruleId"], "refuted");
    let place = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        place["artifactLocation"]["uri"],
        "derivations/flawed/dropped_log.deriv"
    );
    assert_eq!(place["region"]["startLine"], 25);
    assert_eq!(place["region"]["startColumn"], 5);
    assert_eq!(place["region"]["endLine"], 25);
    let previous = &r["relatedLocations"][0]["physicalLocation"]["region"];
    assert_eq!(previous["startLine"], 24);
    let message = r["message"]["text"].as_str().unwrap();
    assert!(message.starts_with("step `=` is refuted: "), "{message}");
    assert!(message.contains("\ncounterexample: |T| = "), "{message}");
    assert!(message.contains("left side = "), "{message}");
}

#[test]
fn a_valid_run_is_an_empty_sarif_log_with_exit_0() {
    let (log, code) = sarif_of(&[Path::new("derivations/policy_gradient.deriv")]);
    assert_eq!(code, 0);
    assert_valid_sarif(&log);
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn sarif_fingerprints_survive_lines_added_above() {
    let chain = format!("{DECLARATIONS}\nΣ_τ R(τ)\n  = 2 Σ_τ R(τ)\n");
    let moved = format!("# a comment\n\n{chain}");
    let a = folder(&[("f.deriv", &chain)]);
    let b = folder(&[("f.deriv", &moved)]);
    let fingerprint_and_line = |dir: &tempfile::TempDir| {
        let (out, _, _) = run(derivcheck()
            .current_dir(dir.path())
            .args(["check", "--format", "sarif", "f.deriv"]));
        let log: Value = serde_json::from_str(&out).unwrap();
        let r = &log["runs"][0]["results"][0];
        (
            r["partialFingerprints"]["derivcheckFinding/v1"].clone(),
            r["locations"][0]["physicalLocation"]["region"]["startLine"].clone(),
        )
    };
    let (fa, la) = fingerprint_and_line(&a);
    let (fb, lb) = fingerprint_and_line(&b);
    assert_eq!(fa, fb);
    assert_ne!(la, lb);
}

// ------------------------------------------------ GitHub workflow commands

/// One line of a job's log as the runner reads it: a workflow command
/// (`::name key=value,…::message`, values and message unescaped), or
/// plain text.
#[derive(Debug, PartialEq)]
enum LogLine {
    Command {
        name: String,
        properties: BTreeMap<String, String>,
        message: String,
    },
    Text(String),
}

/// The unescaping of GitHub's runner: `%25`, `%0D`, `%0A` in a message, and
/// also `%3A`, `%2C` in a property value.
fn unescape(text: &str, property: bool) -> String {
    let mut out = text.replace("%0D", "\r").replace("%0A", "\n");
    if property {
        out = out.replace("%3A", ":").replace("%2C", ",");
    }
    out.replace("%25", "%")
}

/// Read a log line: a command starts with `::`, its name runs to a space or
/// the next `::`, its properties (comma-separated `key=value`) to the next
/// `::`, and the message is the rest of the line.
fn parse_line(line: &str) -> LogLine {
    let Some(rest) = line.strip_prefix("::") else {
        return LogLine::Text(line.to_string());
    };
    let end = rest.find("::").expect("a command has a second `::`");
    let (head, message) = (&rest[..end], &rest[end + 2..]);
    let (name, props) = head.split_once(' ').unwrap_or((head, ""));
    let properties = props
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').expect("a property is key=value");
            (k.to_string(), unescape(v, true))
        })
        .collect();
    LogLine::Command {
        name: name.to_string(),
        properties,
        message: unescape(message, false),
    }
}

fn github_of(paths: &[&Path]) -> (Vec<LogLine>, i32) {
    let (out, _, code) = run(derivcheck()
        .args(["check", "--format", "github"])
        .args(paths));
    (out.lines().map(parse_line).collect(), code)
}

#[test]
fn github_commands_name_the_file_line_and_column_of_each_finding() {
    let (lines, code) = github_of(&[
        Path::new("tests/data/findings.deriv"),
        Path::new("tests/data/unclosed.deriv"),
        Path::new("tests/data/undecided.deriv"),
    ]);
    assert_eq!(code, 2);
    let commands: Vec<(&str, &str, &str)> = lines
        .iter()
        .filter_map(|l| match l {
            LogLine::Command {
                name, properties, ..
            } => Some((
                name.as_str(),
                properties["file"].as_str(),
                properties["line"].as_str(),
            )),
            LogLine::Text(_) => None,
        })
        .collect();
    assert_eq!(
        commands,
        [
            ("error", "tests/data/findings.deriv", "9"),
            ("error", "tests/data/findings.deriv", "13"),
            ("error", "tests/data/findings.deriv", "6"),
            ("error", "tests/data/unclosed.deriv", "5"),
            ("warning", "tests/data/undecided.deriv", "6"),
        ]
    );
    let LogLine::Command {
        properties,
        message,
        ..
    } = &lines[0]
    else {
        panic!("{lines:?}")
    };
    assert_eq!(properties["col"], "5");
    assert_eq!(properties["endLine"], "9");
    assert_eq!(properties["endColumn"], "5");
    assert_eq!(properties["title"], "Refuted step");
    assert!(
        message.ends_with("\ncounterexample: left side = 2, right side = 3 (exact)"),
        "{message}"
    );
    // The last line is the summary, as plain text.
    assert!(
        matches!(lines.last(), Some(LogLine::Text(t)) if t.starts_with("3 files, 3 chains")),
        "{lines:?}"
    );
    for l in &lines {
        if let LogLine::Command { properties, .. } = l {
            for key in properties.keys() {
                assert!(
                    ["file", "line", "col", "endLine", "endColumn", "title"]
                        .contains(&key.as_str()),
                    "{key}"
                );
            }
        }
    }
}

#[test]
fn no_file_name_or_justification_can_break_out_of_its_command() {
    let dir = folder(&[(
        "x,line=1::y%0A.deriv",
        &format!("{DECLARATIONS}\nΣ_τ R(τ)\n  = 2 Σ_τ R(τ)   by 100% sure::error::forged %0A::warning::forged\n"),
    )]);
    let (lines, code) = github_of(&[dir.path()]);
    assert_eq!(code, 1);
    let commands: Vec<&LogLine> = lines
        .iter()
        .filter(|l| matches!(l, LogLine::Command { .. }))
        .collect();
    assert_eq!(commands.len(), 1, "{lines:?}");
    let LogLine::Command {
        name,
        properties,
        message,
    } = commands[0]
    else {
        unreachable!()
    };
    assert_eq!(name, "error");
    assert!(
        properties["file"].ends_with("/x,line=1::y%0A.deriv"),
        "{properties:?}"
    );
    assert_eq!(properties["line"], "8");
    assert!(
        message.contains("by 100% sure::error::forged %0A::warning::forged\n"),
        "{message}"
    );
}

#[test]
fn a_valid_run_prints_only_its_summary() {
    let (lines, code) = github_of(&[Path::new("derivations/policy_gradient.deriv")]);
    assert_eq!(code, 0);
    assert_eq!(
        lines,
        [LogLine::Text(
            "1 files, 1 chains (1 valid), 5 steps: 5 proved, 0 confirmed, 0 estimated, 0 refuted, 0 unknown".into()
        )]
    );
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
