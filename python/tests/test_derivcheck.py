"""The Python package: the reports of check and grade as Python objects,
the first invalid step of a model's answer, errors as data, seeds, and the
GIL released while checking.

Run after `pip install .` at the repository root: `python -m pytest python/tests`.
"""

import multiprocessing
import pathlib
import re
import threading
import time

import pytest

import derivcheck

ROOT = pathlib.Path(__file__).resolve().parents[2]
DERIVATIONS = ROOT / "derivations"


def read(relative):
    return (DERIVATIONS / relative).read_text(encoding="utf-8")


POLICY_GRADIENT = read("policy_gradient.deriv")

# The declarations of policy_gradient.deriv with its claim, for LaTeX and
# Markdown answers (as `check --with` gives them).
DECLARATIONS = """\
param θ
set T
var τ in T
fun R(τ)
fun Pr_θ(τ) : dist τ
def J(θ) = Σ_τ Pr_θ(τ) R(τ)
claim ∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]
"""

# A model's answer in Markdown: prose, then the derivation in $$ blocks,
# with the score function's log dropped in the third step (line 16).
MODEL_ANSWER = r"""Sure! Let me derive the policy gradient.

Start from the definition of the objective:

$$
\nabla_\theta J(\theta) = \nabla_\theta \sum_\tau \Pr_\theta(\tau) R(\tau)
$$

Then move the gradient inside and use the log-derivative trick:

$$
= \sum_\tau \nabla_\theta \Pr_\theta(\tau) R(\tau) \quad \text{(linearity)}
$$

$$
= \sum_\tau \Pr_\theta(\tau) \nabla_\theta \Pr_\theta(\tau) R(\tau) \quad \text{(log-derivative trick)}
$$

$$
= \mathbb{E}_{\tau \sim \Pr_\theta}\left[\nabla_\theta \log \Pr_\theta(\tau) R(\tau)\right]
$$
"""

SIGN_ERROR = DECLARATIONS + """
derivation "a sign slip"
    ∇_θ J(θ)
  = Σ_τ ∇_θ Pr_θ(τ) R(τ)
  = -Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)
"""


def steps(report):
    return [s for f in report["files"] for c in f["chains"] for s in c["steps"]]


def test_a_valid_derivation_is_proved_step_by_step():
    report = derivcheck.check_text(POLICY_GRADIENT, name="policy_gradient.deriv")
    assert report["summary"] == {
        "steps": 5,
        "proved": 5,
        "confirmed": 0,
        "estimated": 0,
        "refuted": 0,
        "unknown": 0,
    }
    (file,) = report["files"]
    assert file["path"] == "policy_gradient.deriv"
    assert file["errors"] == []
    (chain,) = file["chains"]
    assert chain["name"] == "policy gradient"
    assert chain["valid"] is True
    assert chain["claim"] == "met"
    assert [s["line"] for s in chain["steps"]] == [25, 26, 27, 28, 29]
    assert chain["steps"][0]["justification"] == "by definition of J"
    assert all(s["counterexample"] is None for s in chain["steps"])


def test_a_refuted_step_comes_with_its_counterexample():
    report = derivcheck.check_text(SIGN_ERROR)
    first, second = steps(report)
    assert first["verdict"] in derivcheck.VALID
    assert second["verdict"] == "refuted"
    assert second["line"] == 12
    cx = second["counterexample"]
    assert set(cx) >= {"sizes", "params", "functions", "left", "right"}
    assert cx["left"] != cx["right"]
    assert "θ" in cx["params"]
    assert report["files"][0]["chains"][0]["valid"] is False
    assert report["files"][0]["chains"][0]["claim"] == "not met"


def test_declarations_apply_to_a_latex_text():
    latex = read("latex/policy_gradient.tex")
    without = derivcheck.check_text(latex, format="tex")
    assert without["summary"]["steps"] == 5
    answer = r"""
\begin{align*}
\nabla_\theta J(\theta)
  &= \sum_\tau \nabla_\theta \Pr_\theta(\tau) R(\tau) \\
  &= \mathbb{E}_{\tau \sim \Pr_\theta}\left[\nabla_\theta \log \Pr_\theta(\tau) R(\tau)\right]
\end{align*}
"""
    alone = derivcheck.check_text(answer, format="tex")
    (file,) = alone["files"]
    assert "fun J(θ)" in file["inferred_declarations"], "inferred without the declarations"
    assert not file["chains"][0]["valid"], "J is then an undefined function"
    report = derivcheck.check_text(answer, DECLARATIONS, format="tex")
    (file,) = report["files"]
    assert file["errors"] == []
    (chain,) = file["chains"]
    assert chain["valid"] and chain["claim"] == "met"


def test_declarations_apply_to_a_deriv_text_too():
    chain = 'derivation\n    ∇_θ J(θ)\n  = Σ_τ ∇_θ Pr_θ(τ) R(τ)\n'
    report = derivcheck.check_text(chain, DECLARATIONS)
    (file,) = report["files"]
    assert file["errors"] == []
    assert [s["verdict"] for s in steps(report)] == ["proved"]


def test_problems_of_the_declarations_are_a_file_of_their_own_first():
    report = derivcheck.check_text("$$ x = x $$", "param θ\nfun f(x\n", format="md")
    decls, text = report["files"]
    assert decls["path"] == "<declarations>.deriv"
    assert decls["errors"] and decls["errors"][0]["line"] == 2
    assert text["path"] == "<text>.md"


@pytest.mark.parametrize(
    "path, fmt",
    [("latex/policy_gradient.tex", "tex"), ("latex/policy_gradient.md", "md")],
)
def test_latex_and_markdown_by_name_or_by_format(path, fmt):
    text = read(path)
    by_name = derivcheck.check_text(text, name=pathlib.Path(path).name)
    by_format = derivcheck.check_text(text, format=fmt, name=pathlib.Path(path).name)
    assert by_name == by_format
    (chain,) = by_name["files"][0]["chains"]
    assert chain["valid"] and chain["claim"] == "met"
    assert len(chain["steps"]) == 5
    # Read as .deriv, LaTeX is not a derivation.
    assert derivcheck.check_text(text)["files"][0]["errors"]


def test_the_first_invalid_step_of_a_model_answer():
    step = derivcheck.first_invalid_step(MODEL_ANSWER, DECLARATIONS)
    assert step["verdict"] == "refuted"
    assert (step["line"], step["relation"]) == (16, "=")
    assert step["justification"] == "by log-derivative trick"
    assert step["counterexample"]["left"] != step["counterexample"]["right"]
    assert step["file"] == "<answer>"


def test_a_valid_model_answer_has_no_invalid_step():
    assert derivcheck.first_invalid_step(read("latex/policy_gradient.md")) is None
    fixed = MODEL_ANSWER.replace(
        r"\Pr_\theta(\tau) \nabla_\theta \Pr_\theta(\tau)",
        r"\Pr_\theta(\tau) \nabla_\theta \log \Pr_\theta(\tau)",
    )
    assert derivcheck.first_invalid_step(fixed, DECLARATIONS) is None


def test_an_answer_that_does_not_parse_is_an_error_not_none():
    broken = "$$\n\\nabla_\\theta J(\\theta) = \\frac{1}{\n$$\n"
    step = derivcheck.first_invalid_step(broken, DECLARATIONS)
    assert step["verdict"] == "error"
    assert step["line"] >= 1 and step["detail"]
    assert step["counterexample"] is None
    undeclared = "x\n  = x + 0\n"
    step = derivcheck.first_invalid_step(undeclared, format="deriv")
    assert step["verdict"] == "error" and "undeclared" in step["detail"]
    assert step["hint"]


def test_bad_input_is_a_report_with_errors_not_an_exception():
    for text in ["", "derivation\n  = = =\n", "fun f(x\n", "\x00\x01 ∑∑∑ }", "(" * 10_000]:
        report = derivcheck.check_text(text)
        assert set(report) >= {"files", "summary"}
    report = derivcheck.check_text("param θ\nderivation\n  x\n  = y\n")
    errors = report["files"][0]["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [(3, 3), (4, 5)]
    assert "undeclared name `x`" in errors[0]["message"]
    assert errors[0]["hint"]


def test_wrong_arguments_are_exceptions():
    with pytest.raises(ValueError, match="unknown format"):
        derivcheck.check_text("x", format="docx")
    with pytest.raises(ValueError, match="timeout"):
        derivcheck.check_text("x", timeout=-1.0)
    with pytest.raises(TypeError):
        derivcheck.check_text(b"bytes are not text")
    with pytest.raises(TypeError):
        derivcheck.grade(DECLARATIONS, [("a", 3)])


def test_a_timeout_leaves_the_remaining_steps_unknown():
    report = derivcheck.check_text(heavy_text(5), symbolic=False, timeout=0.0)
    verdicts = [s["verdict"] for s in steps(report)]
    assert verdicts and set(verdicts) == {"unknown"}
    assert "not checked" in steps(report)[0]["detail"]


def test_the_same_seed_gives_the_same_report():
    a = derivcheck.check_text(SIGN_ERROR, seed=7, symbolic=False)
    b = derivcheck.check_text(SIGN_ERROR, seed=7, symbolic=False)
    c = derivcheck.check_text(SIGN_ERROR, seed=8, symbolic=False)
    assert a == b
    cx = lambda r: steps(r)[1]["counterexample"]
    assert cx(a) is not None and cx(c) is not None
    assert cx(a) != cx(c)
    assert derivcheck.first_invalid_step(MODEL_ANSWER, DECLARATIONS, seed=3) == (
        derivcheck.first_invalid_step(MODEL_ANSWER, DECLARATIONS, seed=3)
    )


def submissions_of(assignment):
    folder = DERIVATIONS / "assignments" / assignment / "submissions"
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())}


@pytest.mark.parametrize(
    "assignment", ["policy_gradient", "two_trajectories", "flawed_analysis", "baseline_assumed"]
)
def test_grade_gives_the_scores_the_submissions_expect(assignment):
    text = read(f"assignments/{assignment}/assignment.deriv")
    subs = submissions_of(assignment)
    report = derivcheck.grade(text, subs)
    assert [s["id"] for s in report["submissions"]] == list(subs)
    assert report["summary"]["submissions"] == len(subs)
    expected = {
        sub_id: float(m.group(1))
        for sub_id, body in subs.items()
        if (m := re.search(r"expect: score (\d+(?:\.\d+)?)", body))
    }
    assert expected
    got = {s["id"]: s["score"] for s in report["submissions"]}
    assert {k: got[k] for k in expected} == expected


def test_grade_takes_pairs_and_a_format_and_never_stops_at_a_bad_submission():
    assignment = read("assignments/policy_gradient/assignment.deriv")
    report = derivcheck.grade(
        assignment,
        [
            ("model", MODEL_ANSWER.replace(r"\nabla_\theta \Pr_\theta(\tau) R(\tau) \quad \text{(log", r"\nabla_\theta \log \Pr_\theta(\tau) R(\tau) \quad \text{(log")),
            ("flawed", MODEL_ANSWER),
            ("garbled", "$$ \\frac{ $$"),
        ],
        format="md",
    )
    assert report["points"] == 10
    model, flawed, garbled = report["submissions"]
    assert (model["id"], model["score"], model["valid"]) == ("model", 10, True)
    assert flawed["valid"] is False and flawed["first_invalid_line"] == 16
    assert flawed["score"] < 10
    assert garbled["score"] == 0 and garbled["errors"]
    assert garbled["path"] == "garbled.md"


def test_an_unusable_assignment_raises_assignment_error():
    with pytest.raises(derivcheck.AssignmentError, match=r"assignment\.deriv:1:"):
        derivcheck.grade("claim x = \n", {"a": "x"})
    assert issubclass(derivcheck.AssignmentError, ValueError)


def heavy_text(chains):
    """The seed derivation's chain many times over: about 12 ms a chain
    with the numeric engine alone (release build, one core)."""
    head, _, rest = POLICY_GRADIENT.partition("claim")
    chain = rest[rest.index("derivation") :]
    return head + "".join(chain + "\n" for _ in range(chains))


def test_the_gil_is_released_while_checking():
    """Checking a long text on one thread, the main thread keeps running
    Python: its longest pause during the check is a small part of the
    check (were the GIL held, it would be the whole of it)."""
    text = heavy_text(40)
    window = {}

    def check():
        window["start"] = time.perf_counter()
        window["report"] = derivcheck.check_text(text, symbolic=False)
        window["end"] = time.perf_counter()

    worker = threading.Thread(target=check)
    ticks = []
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
    worker.join()
    assert window["report"]["summary"]["confirmed"] == 200
    duration = window["end"] - window["start"]
    inside = [window["start"]] + [t for t in ticks if window["start"] < t < window["end"]]
    inside.append(window["end"])
    longest_pause = max(b - a for a, b in zip(inside, inside[1:]))
    assert duration > 0.1, "the check is long enough to tell"
    assert longest_pause < duration / 2, (longest_pause, duration)


def test_threads_check_in_parallel_and_agree_with_one_thread():
    texts = [SIGN_ERROR, POLICY_GRADIENT, MODEL_ANSWER] * 4
    fmt = ["deriv", "deriv", "md"] * 4
    alone = [derivcheck.check_text(t, DECLARATIONS, format=f) for t, f in zip(texts, fmt)]
    results = [None] * len(texts)

    def run(k):
        results[k] = derivcheck.check_text(texts[k], DECLARATIONS, format=fmt[k])

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == alone


def first_verdict(text):
    step = derivcheck.first_invalid_step(text, DECLARATIONS)
    return step and step["verdict"]


def test_a_forked_process_pool_checks_after_the_parent_did():
    """A child forked after the parent checked inherits none of its
    checking threads; it must start its own rather than wait for them."""
    assert first_verdict(MODEL_ANSWER) == "refuted"
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        got = pool.map_async(first_verdict, [MODEL_ANSWER] * 4).get(timeout=120)
    assert got == ["refuted"] * 4
