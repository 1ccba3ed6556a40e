#!/usr/bin/env bash
# Check every example derivation under many seeds and report each step
# whose validity differs from its validity at seed 1: a valid step refuted
# under another seed is a false refutation, a refuted step valid under
# another seed a miss. Not run in CI (it takes minutes).
#
#   scripts/soak-seeds.sh [SEEDS] [more check flags, e.g. --no-symbolic]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-50}
shift || true
cargo build --release --quiet
mapfile -t files < <(find derivations -name '*.deriv' -not -path 'derivations/assignments/*' | sort)
dir=$(mktemp -d)
for s in $(seq 1 "$seeds"); do
    ./target/release/derivcheck check --seed "$s" "$@" --format json "${files[@]}" \
        > "$dir/$s.json" 2>/dev/null || true
done
python3 - "$dir" "$seeds" <<'PY'
import json, sys
folder, seeds = sys.argv[1], int(sys.argv[2])
def verdicts(s):
    d = json.load(open(f"{folder}/{s}.json"))
    return {(f["path"], st["line"]): st["verdict"]
            for f in d["files"] for c in f["chains"] for st in c["steps"]}
valid = {"proved", "confirmed", "estimated"}
base = verdicts(1)
changed = 0
for s in range(2, seeds + 1):
    for key, got in verdicts(s).items():
        want = base.get(key)
        if want is not None and (want in valid) != (got in valid):
            print(f"seed {s}: {key[0]}:{key[1]} was {want} at seed 1, now {got}")
            changed += 1
print(f"{len(base)} steps, {seeds} seeds: {changed} changed validity")
sys.exit(1 if changed else 0)
PY
status=$?
rm -rf "$dir"
exit $status
