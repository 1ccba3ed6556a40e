#!/usr/bin/env python3
"""Answers checked a second from Python: derivcheck against Math-Verify.

Generates model-style answers, Markdown with a chain of equalities in a `$$`
block (as derivations/latex/ holds them), over two constants a and b with
random integer coefficients: expansions of squares and products, a
difference of squares over a quotient, a chain of two steps, exponentials.
A quarter of the answers have one wrong coefficient. The same strings are
then checked

- by derivcheck: `check_text(answer, declarations)` (every step, the whole
  JSON report) and `first_invalid_step(answer, declarations)`, on one
  thread, then over a multiprocessing pool of one process a core;
- by Math-Verify (`math-verify` on PyPI, installed here when missing):
  `verify(parse(lhs), parse(rhs))` for every step, each side parsed from its
  LaTeX text (`$…$`), as a step checker would use it.

Each tool's time covers reading the text. Prints a line a measure, how many
wrong steps each tool found and how many right ones it accepted, and a JSON
summary. The package must be installed first (`pip install .`).

    python3 benches/python_answers.py [--answers N] [--math-verify-answers M] [--seed S] [--repeat K]
"""

import argparse
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import time

import derivcheck

DECLARATIONS = "const a\nconst b\n"


def templates(rng):
    """One answer: its steps as (lhs, rhs) LaTeX pairs, the index of the
    wrong step (None when all are right)."""
    k = rng.randint(2, 9)
    m = rng.randint(2, 9)
    wrong = rng.random() < 0.25
    kind = rng.randrange(5)
    if kind == 0:
        c = k if wrong else 2 * k
        steps = [(f"(a + {k} b)^2", f"a^2 + {c} a b + {k * k} b^2")]
    elif kind == 1:
        sign = "+" if wrong else "-"
        steps = [(f"(a + {k})(a - {k})", f"a^2 {sign} {k * k}")]
    elif kind == 2:
        c = k + 1 if wrong else k
        steps = [(f"\\frac{{a^2 - {k * k} b^2}}{{a - {k} b}}", f"a + {c} b")]
    elif kind == 3:
        c = 2 * k if wrong else 4 * k
        steps = [
            (f"(a + {k} b)^2 - (a - {k} b)^2", f"(a^2 + {2 * k} a b + {k * k} b^2) - (a^2 - {2 * k} a b + {k * k} b^2)"),
            (f"(a^2 + {2 * k} a b + {k * k} b^2) - (a^2 - {2 * k} a b + {k * k} b^2)", f"{c} a b"),
        ]
    else:
        c = m + 1 if wrong else m
        steps = [(f"\\exp(a) \\exp({m} b)", f"\\exp(a + {c} b)")]
    bad = (len(steps) - 1) if wrong else None
    return steps, bad


def markdown(steps):
    first = steps[0][0]
    lines = [f"{first} &= {steps[0][1]}"] + [f"&= {rhs}" for _, rhs in steps[1:]]
    body = " \\\\\n".join(lines)
    return (
        "Let's simplify the expression step by step.\n\n"
        f"$$\n\\begin{{aligned}}\n{body}\n\\end{{aligned}}\n$$\n\n"
        "This completes the derivation.\n"
    )


def generate(n, seed):
    rng = random.Random(seed)
    return [templates(rng) for _ in range(n)]


def rate(count, seconds):
    return count / seconds if seconds > 0 else float("inf")


def check_one(answer):
    return derivcheck.first_invalid_step(answer, DECLARATIONS)


def best_of(repeat, work):
    """The fastest of `repeat` runs (the machine is shared: the fastest run
    is the one least disturbed), and the last run's results."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        results = work()
        best = min(best, time.perf_counter() - t0)
    return best, results


def time_derivcheck(answers, bad, repeat):
    out = {}
    texts = [markdown(s) for s, _ in answers]
    seconds, reports = best_of(
        repeat, lambda: [derivcheck.check_text(t, DECLARATIONS, format="md") for t in texts]
    )
    out["check_text"] = rate(len(texts), seconds)
    seconds, firsts = best_of(
        repeat, lambda: [derivcheck.first_invalid_step(t, DECLARATIONS) for t in texts]
    )
    out["first_invalid_step"] = rate(len(texts), seconds)
    processes = os.cpu_count() or 1
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(processes) as pool:
        pool.map(check_one, texts[:processes])  # start-up out of the timing
        seconds, pooled = best_of(repeat, lambda: pool.map(check_one, texts, chunksize=64))
        out[f"first_invalid_step, pool of {processes}"] = rate(len(texts), seconds)
    assert [p and p["line"] for p in pooled] == [f and f["line"] for f in firsts]
    verdicts = {}
    for r in reports:
        for f in r["files"]:
            for e in f["errors"]:
                raise SystemExit(f"derivcheck could not read a generated answer: {e}")
            for c in f["chains"]:
                for s in c["steps"]:
                    verdicts[s["verdict"]] = verdicts.get(s["verdict"], 0) + 1
    caught = sum(1 for f, b in zip(firsts, bad) if b is not None and f is not None)
    passed = sum(1 for f, b in zip(firsts, bad) if b is None and f is None)
    out["verdicts"] = verdicts
    out["wrong answers caught"] = f"{caught} of {sum(b is not None for b in bad)}"
    out["right answers passed"] = f"{passed} of {sum(b is None for b in bad)}"
    return out


def time_math_verify(answers, bad):
    try:
        from math_verify import parse, verify
    except ImportError:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "math-verify"])
        from math_verify import parse, verify
    parse("$x$")  # its grammar loads on first use: out of the timing
    t0 = time.perf_counter()
    results = []
    for steps, _ in answers:
        results.append([bool(verify(parse(f"${l}$"), parse(f"${r}$"))) for l, r in steps])
    seconds = time.perf_counter() - t0
    caught = sum(1 for res, b in zip(results, bad) if b is not None and not all(res))
    passed = sum(1 for res, b in zip(results, bad) if b is None and all(res))
    return {
        "parse+verify every step": rate(len(answers), seconds),
        "wrong answers caught": f"{caught} of {sum(b is not None for b in bad)}",
        "right answers passed": f"{passed} of {sum(b is None for b in bad)}",
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--answers", type=int, default=5000)
    ap.add_argument("--math-verify-answers", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="derivcheck's runs; the fastest counts")
    args = ap.parse_args()
    answers = generate(args.answers, args.seed)
    bad = [b for _, b in answers]
    print(f"{args.answers} answers, {sum(len(s) for s, _ in answers)} steps, "
          f"{sum(b is not None for b in bad)} with a wrong step")
    ours = time_derivcheck(answers, bad, args.repeat)
    few = args.math_verify_answers
    theirs = time_math_verify(answers[:few], bad[:few])
    print("derivcheck (answers a second):")
    for k, v in ours.items():
        print(f"  {k}: {v:,.0f}" if isinstance(v, float) else f"  {k}: {v}")
    print(f"Math-Verify on the first {few} of the same answers (answers a second):")
    for k, v in theirs.items():
        print(f"  {k}: {v:,.1f}" if isinstance(v, float) else f"  {k}: {v}")
    ratio = ours["first_invalid_step"] / theirs["parse+verify every step"]
    print(f"one thread, first_invalid_step against parse+verify: {ratio:,.0f}x")
    print(json.dumps({"derivcheck": ours, "math_verify": theirs, "ratio_one_thread": ratio}))


if __name__ == "__main__":
    main()
