#!/usr/bin/env bash
# Fuzz grading for a set time: fuzz/run.sh [SECONDS] (default 300).
# Needs a nightly toolchain and cargo-fuzz (cargo install cargo-fuzz).
# The corpus grows in fuzz/corpus/grade_submission (seeded from the sample
# submissions); crashes land in fuzz/artifacts/grade_submission.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-300}"
corpus=corpus/grade_submission
mkdir -p "$corpus"
# Seeds: the sample submissions, each behind the byte that picks its kind
# (0: .deriv, 1: label list).
for f in ../derivations/assignments/*/submissions/*.deriv; do
    { printf '\x00'; cat "$f"; } > "$corpus/seed-$(basename "$f")"
done
for f in ../derivations/assignments/*/submissions/*.txt; do
    { printf '\x01'; cat "$f"; } > "$corpus/seed-$(basename "$f")"
done
# Submissions are bounded at 64 KiB; -rss_limit_mb keeps a run honest
# about memory, -timeout flags any input that takes over 10 s.
cargo +nightly fuzz run grade_submission "$corpus" -- \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 2>&1 \
    | tee /tmp/derivcheck-fuzz.log | grep -E "^#[0-9]+.*(pulse|DONE)|ERROR|panicked|Done" || true
grep -E "^Done [0-9]+ runs" /tmp/derivcheck-fuzz.log
