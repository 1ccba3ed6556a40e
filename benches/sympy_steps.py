#!/usr/bin/env python3
"""Check the steps of the seed derivation with SymPy, the way a user would.

Reads derivations/policy_gradient.deriv (the same text derivcheck checks),
turns each expression of its chain into a SymPy expression with a small
parser that follows derivcheck's precedence rules (a prefix operator takes
one factor, Σ and E take the rest of the term), and times, per step,
`simplify(lhs - rhs) == 0` and `lhs.equals(rhs)`, each from the text
(building the SymPy expressions is part of the time, as parsing is part of
derivcheck's). Installs SymPy from PyPI
when it is missing. Prints one line a step and a JSON summary: the median
step, and the total of the steps' medians (the time to check the chain).

    python3 benches/sympy_steps.py [--repeat K]
"""

import json
import re
import statistics
import subprocess
import sys
import time

try:
    import sympy
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "sympy"])
    import sympy

from sympy import Function, Sum, Symbol, diff, log, simplify

theta = Symbol("theta")
tau = Symbol("tau", integer=True)
n = Symbol("n", integer=True, positive=True)
Pr = Function("Pr")
R = Function("R")

TOKEN = re.compile(
    r"\s*(∇_θ|Σ_τ|E_\{τ~Pr_θ\}\[|Pr_θ\(τ\)|R\(τ\)|J\(θ\)|log|\d+(?:\.\d+)?|[()\[\]/·*+\-])"
)


def tokens(text):
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot read {text[pos:]!r}")
        out.append(m.group(1))
        pos = m.end()
    return out


class Parser:
    def __init__(self, text):
        self.t = tokens(text)
        self.i = 0

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, want=None):
        tok = self.peek()
        if want is not None and tok != want:
            raise ValueError(f"expected {want}, found {tok}")
        self.i += 1
        return tok

    def expr(self):
        e = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            r = self.term()
            e = e + r if op == "+" else e - r
        return e

    def starts_factor(self):
        return self.peek() not in (None, "+", "-", ")", "]", "/", "·", "*")

    def term(self):
        e = self.prefixed()
        while True:
            if self.peek() in ("·", "*"):
                self.take()
                e = e * self.prefixed()
            elif self.peek() == "/":
                self.take()
                e = e / self.prefixed()
            elif self.starts_factor():
                e = e * self.prefixed()
            else:
                return e

    def prefixed(self):
        tok = self.peek()
        if tok == "∇_θ":
            self.take()
            return diff(self.prefixed(), theta)
        if tok == "log":
            self.take()
            return log(self.prefixed())
        if tok == "Σ_τ":
            self.take()
            return Sum(self.term(), (tau, 1, n))
        if tok == "E_{τ~Pr_θ}[":
            self.take()
            body = self.expr()
            self.take("]")
            return Sum(Pr(theta, tau) * body, (tau, 1, n))
        return self.atom()

    def atom(self):
        tok = self.take()
        if tok == "Pr_θ(τ)":
            return Pr(theta, tau)
        if tok == "R(τ)":
            return R(tau)
        if tok == "J(θ)":
            return Sum(Pr(theta, tau) * R(tau), (tau, 1, n))
        if tok == "(":
            e = self.expr()
            self.take(")")
            return e
        return sympy.Rational(tok)


def chain(path):
    """The expressions of the file's chain: the start, then each step."""
    exprs, started = [], False
    for line in open(path, encoding="utf-8"):
        code = line.split("#")[0].rstrip()
        if code.startswith("derivation"):
            started = True
            continue
        if not started or not code.strip():
            if started and exprs:
                break
            continue
        code = code.split(" by ")[0].strip()
        if code.startswith("="):
            code = code[1:]
        exprs.append(code.strip())
    return exprs


def timed(f, repeat):
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = f()
        times.append(time.perf_counter() - t0)
    return result, statistics.median(times)


def main():
    repeat = 5
    if "--repeat" in sys.argv:
        repeat = int(sys.argv[sys.argv.index("--repeat") + 1])
    texts = chain("derivations/policy_gradient.deriv")
    rows = []
    for k in range(1, len(texts)):
        a, b = texts[k - 1], texts[k]

        def by_simplify():
            return simplify(Parser(a).expr() - Parser(b).expr()) == 0

        def by_equals():
            return bool(Parser(a).expr().equals(Parser(b).expr()))

        ok_s, t_s = timed(by_simplify, repeat)
        ok_e, t_e = timed(by_equals, repeat)
        rows.append({"step": b, "simplify": ok_s, "simplify_s": t_s, "equals": ok_e, "equals_s": t_e})
        print(f"step {k}: simplify {'proved' if ok_s else 'not proved'} in {t_s * 1e6:.0f} µs, "
              f"equals {'proved' if ok_e else 'not proved'} in {t_e * 1e6:.0f} µs   {b}")
    summary = {
        "sympy": sympy.__version__,
        "steps": len(rows),
        "median_simplify_s": statistics.median(r["simplify_s"] for r in rows),
        "median_equals_s": statistics.median(r["equals_s"] for r in rows),
        "total_simplify_s": sum(r["simplify_s"] for r in rows),
        "total_equals_s": sum(r["equals_s"] for r in rows),
        "proved_by_simplify": sum(r["simplify"] for r in rows),
        "proved_by_equals": sum(r["equals"] for r in rows),
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
