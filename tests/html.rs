//! The HTML report of `grade` in a real browser: headless Chromium loads
//! the page without console errors, the table has a row per submission,
//! the mathematics is MathML, and a screenshot is a real picture.
//!
//! CI installs Debian's `chromium` (.ci/run), so these run there. On a
//! developer machine without it, the browser tests say so and pass
//! (set `CI` to make a missing browser a failure); the page's structure
//! is still checked without a browser.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::Output;

fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "chromium is not installed, and CI must run the browser tests (.ci/run installs it)"
        );
    }
    eprintln!("skipped: chromium is not installed (apt-get install -y chromium); the browser tests did not run");
    None
}

/// Run headless Chromium on a page with the given extra flags.
fn browse(browser: &Path, page: &Path, flags: &[&str]) -> Output {
    let profile = tempfile::tempdir().expect("profile dir");
    std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(flags)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs")
}

/// Console messages of the page (errors, uncaught exceptions, refused
/// loads): the page has no script, so there must be none.
fn console_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect()
}

const PG: &str = "derivations/assignments/policy_gradient";

/// The class page for the policy gradient samples, the model answer, and a
/// submission whose justification tries to inject a script.
fn class_page(dir: &Path) -> (PathBuf, usize) {
    let hostile = dir.join("mallory.deriv");
    std::fs::write(
        &hostile,
        "∇_θ J(θ)\n  = ∇_θ Σ_τ Pr_θ(τ) R(τ)   by <script>console.error('injected')</script><img src=x onerror=alert(1)>\n",
    )
    .unwrap();
    let out = Command::cargo_bin("derivcheck")
        .unwrap()
        .args(["grade", "--format", "html"])
        .arg(Path::new(PG).join("assignment.deriv"))
        .arg(Path::new(PG).join("submissions"))
        .arg("derivations/policy_gradient.deriv")
        .arg(&hostile)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = dir.join("class.html");
    std::fs::write(&page, &out.stdout).unwrap();
    let count = std::fs::read_dir(Path::new(PG).join("submissions"))
        .unwrap()
        .count()
        + 2;
    (page, count)
}

#[test]
fn the_page_is_self_contained_well_formed_and_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let (page, count) = class_page(dir.path());
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(html.matches("<tr class=\"row\">").count(), count);
    assert!(html.contains("<svg"), "no histogram");
    assert!(html.contains("<math"), "no MathML");
    assert!(html.contains("<munder><mo>∑</mo>"), "no sum drawn");
    assert!(!html.contains("<script"), "a script in the page");
    assert!(
        html.contains("&lt;script&gt;"),
        "the justification is not shown escaped"
    );
    for bad in ["src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(bad), "a network load: {bad}");
    }
    // Well-formed as XML too: every element closed, only the predefined
    // entities.
    let body = html.trim_start_matches("<!DOCTYPE html>");
    let mut reader = quick_xml::Reader::from_str(body);
    let mut depth = 0i64;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0);
}

#[test]
fn console_errors_are_caught_when_a_page_has_them() {
    // The detection itself can fail: a page with a broken script is caught.
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("broken.html");
    std::fs::write(
        &page,
        "<html><body><script>console.error('boom'); missingFunction();</script></body></html>",
    )
    .unwrap();
    let out = browse(&browser, &page, &["--dump-dom"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(console_lines(&stderr).len() >= 2, "{stderr}");
}

#[test]
fn the_page_loads_without_console_errors_with_a_row_per_submission() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (page, count) = class_page(dir.path());
    let out = browse(&browser, &page, &["--dump-dom"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let console = console_lines(&stderr);
    assert!(
        console.is_empty(),
        "console messages:\n{}",
        console.join("\n")
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        dom.matches("<tr class=\"row\">").count(),
        count,
        "rows in the table as the browser built it"
    );
    assert!(dom.contains("<table id=\"scores\">"));
    assert!(dom.contains("<math"), "MathML elements in the DOM");
    assert!(
        !dom.contains("injected') <"),
        "the hostile text became markup"
    );
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

#[test]
fn a_screenshot_of_the_page_is_a_real_picture() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (page, _) = class_page(dir.path());
    let shot = dir.path().join("class.png");
    let out = browse(
        &browser,
        &page,
        &[
            "--window-size=1280,2000",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(png_size(&bytes), (1280, 2000));
    // A blank page of the same size, as a control: the report's picture
    // holds far more (text, bars, formulas) and so compresses far less.
    let blank = dir.path().join("blank.html");
    std::fs::write(&blank, "<html><body></body></html>").unwrap();
    let blank_shot = dir.path().join("blank.png");
    browse(
        &browser,
        &blank,
        &[
            "--window-size=1280,2000",
            &format!("--screenshot={}", blank_shot.display()),
        ],
    );
    let blank_len = std::fs::read(&blank_shot)
        .expect("a blank screenshot")
        .len();
    assert!(
        bytes.len() > 4 * blank_len,
        "the screenshot ({} bytes) is not much more than a blank page ({blank_len} bytes)",
        bytes.len()
    );
    // Kept for a person to look at when the test is run by hand.
    if let Some(keep) = std::env::var_os("DERIVCHECK_KEEP_SCREENSHOT") {
        std::fs::copy(&shot, keep).unwrap();
    }
}
