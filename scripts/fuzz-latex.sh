#!/usr/bin/env bash
# Fuzz the LaTeX and Markdown readers for a set time (not part of CI).
#
#   scripts/fuzz-latex.sh [SECONDS]      # default 300
#
# Needs a nightly toolchain (rustup toolchain install nightly) and installs
# cargo-fuzz if it is missing. The seeds are the files of derivations/latex/;
# findings go to fuzz/artifacts/latex_reader/. At the end libFuzzer prints
# the number of executions it reached ("Done N runs in S second(s)").
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-300}"

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "error: cargo-fuzz needs a nightly toolchain: rustup toolchain install nightly" >&2
    exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

mkdir -p corpus/latex_reader
cp ../derivations/latex/*.tex ../derivations/latex/*.md corpus/latex_reader/

# -timeout: one input taking longer than 10 s is reported as a hang.
# -max_len: inputs up to 16 KiB, long enough for deep nesting and macros.
# -rss_limit_mb: a reader that balloons in memory is a finding too.
cargo +nightly fuzz run latex_reader corpus/latex_reader -- \
    -max_total_time="$seconds" -timeout=10 -max_len=16384 -rss_limit_mb=2048 \
    -print_final_stats=1
