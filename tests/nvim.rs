//! A real editor as the language server's client: Neovim, headless, with
//! its built-in client, runs `tests/nvim/refuted_step.lua` against the
//! binary. Skipped with a note when `nvim` is not installed, except in CI
//! (`CI` set), where `.ci/run` installs it and the test must run.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest the script may take; it waits up to a minute for each thing.
const LIMIT: Duration = Duration::from_secs(300);

fn nvim_installed() -> bool {
    Command::new("nvim")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn neovim_shows_a_refuted_step_as_an_error_on_its_line() {
    if !nvim_installed() {
        assert!(
            std::env::var_os("CI").is_none(),
            "nvim is not installed, and CI must run this test (.ci/run installs neovim)"
        );
        eprintln!("note: skipped: nvim is not installed (apt-get install neovim runs this test)");
        return;
    }
    let mut child = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n"])
        .args(["-c", "luafile tests/nvim/refuted_step.lua"])
        .env("DERIVCHECK", env!("CARGO_BIN_EXE_derivcheck"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nvim starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("nvim runs") {
            break Some(status);
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = child.wait_with_output().expect("nvim's output");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let status = status.unwrap_or_else(|| panic!("nvim took more than {LIMIT:?}: {text}"));
    assert!(status.success(), "{status}: {text}");
    assert!(text.contains("nvim lsp test: passed"), "{text}");
}
