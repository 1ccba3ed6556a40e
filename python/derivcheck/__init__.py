"""derivcheck from Python: check derivations step by step.

The functions return the JSON reports of the command line as Python objects:
``check_text`` that of ``derivcheck check --format json`` (files, errors,
chains, steps, summary), ``grade`` that of ``derivcheck grade --format
json``. Every verdict comes from the Rust library; the GIL is released
while a text is checked or a class graded, so threads and process pools
scale with the cores.

Input that cannot be used (a parse error, an undeclared name, a submission
that does not parse) is never an exception: it is in the report, with its
line and column. Exceptions are for the calls themselves: ``ValueError``
for an unknown ``format`` or a bad ``timeout``, ``TypeError`` for an
argument of the wrong type, ``AssignmentError`` (a ``ValueError``) when the
assignment given to ``grade`` cannot be used.
"""

import json
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple, Union

from . import _native
from ._native import AssignmentError

__all__ = ["check_text", "first_invalid_step", "grade", "AssignmentError", "VALID"]

__version__ = _native.VERSION

#: The verdicts of a valid step (README, "Verdicts").
VALID = frozenset({"proved", "confirmed", "estimated"})

#: The defaults of ``derivcheck check`` and ``derivcheck grade``, so that the
#: same text gives the same report from Python as from the command line.
DEFAULT_SEED = 1
DEFAULT_TRIALS = 24
DEFAULT_SAMPLES = 4000



def check_text(
    text: str,
    declarations: Optional[str] = None,
    seed: int = DEFAULT_SEED,
    format: Optional[str] = None,
    *,
    name: Optional[str] = None,
    trials: int = DEFAULT_TRIALS,
    samples: int = DEFAULT_SAMPLES,
    symbolic: bool = True,
    numeric: bool = True,
    timeout: Optional[float] = None,
) -> Dict[str, Any]:
    """Check every chain of one text; the report of ``check --format json``.

    text: the derivation, as a ``.deriv`` file, LaTeX or Markdown holds it.
    declarations: ``.deriv`` text whose declarations (and claims) come before
        the text's own, as with ``check --with FILE.deriv``; unlike
        ``--with``, they apply to a ``.deriv`` text too. Their own problems
        are a file of the report of their own, ``<declarations>.deriv``,
        first.
    seed: every random choice follows from it (the command line's default).
    format: ``"deriv"``, ``"tex"`` (``"latex"``) or ``"md"``
        (``"markdown"``); when None, the extension of ``name``, else
        ``"deriv"``.
    name: the ``path`` the report gives the text (default ``<text>``, with
        the extension of ``format`` when one is given).
    trials, samples, symbolic, numeric: as ``--trials``, ``--samples``,
        ``--no-symbolic`` and ``--no-numeric``.
    timeout: seconds after which the steps left are not decided: they are
        ``unknown`` ("not checked"). None: no limit.

    Returns ``{"files": [...], "notes": [], "summary": {...}}`` (docs/json.md).
    """
    if name is None:
        name = "<text>" if format is None else "<text>." + format.lstrip(".")
    return json.loads(
        _native.check_json(
            text,
            declarations,
            name,
            format,
            seed,
            trials,
            samples,
            symbolic,
            numeric,
            timeout,
        )
    )


def first_invalid_step(
    markdown: str,
    declarations: Optional[str] = None,
    seed: int = DEFAULT_SEED,
    *,
    format: str = "md",
    **options: Any,
) -> Optional[Dict[str, Any]]:
    """The first thing in a model's answer that is not valid, or None.

    markdown: the answer, Markdown with its mathematics in ``$$`` (or
        ``\\[ \\]``) blocks, as a chat model prints it; ``format`` reads it
        as ``"tex"`` or ``"deriv"`` instead.
    declarations, seed and the keyword options: as for ``check_text``.

    Returns the first step (in reading order) whose verdict is not proved,
    confirmed or estimated: the step's dict from the report (``line``,
    ``column``, ``relation``, ``verdict``, ``justification``, ``detail``,
    ``engine``, ``counterexample``, ...) with the ``chain`` it belongs to and
    the ``file``. An error that keeps part of the text from being checked (a
    block that does not parse, an undeclared name) counts too, as a dict with
    ``verdict`` ``"error"``, its ``line``, ``column``, ``detail`` (the
    message), ``hint`` and no counterexample; problems of the
    ``declarations`` come before the answer's own.

    None means that no step is invalid, which includes an answer with no
    steps at all, and says nothing of claims: ``check_text`` tells whether a
    claim is met.
    """
    report = check_text(markdown, declarations, seed, format, name="<answer>", **options)
    for file in report["files"]:
        found = []
        for e in file["errors"]:
            found.append(
                (
                    (e["line"], e["column"]),
                    {
                        "file": file["path"],
                        "line": e["line"],
                        "column": e["column"],
                        "verdict": "error",
                        "detail": e["message"],
                        "hint": e.get("hint"),
                        "counterexample": None,
                    },
                )
            )
        for chain in file["chains"]:
            for step in chain["steps"]:
                if step["verdict"] not in VALID:
                    here = dict(step, chain=chain["name"], file=file["path"])
                    found.append(((step["line"], step["column"]), here))
        if found:
            return min(found, key=lambda f: f[0])[1]
    return None


Submissions = Union[Mapping[str, str], Iterable[Tuple[str, str]]]


def grade(
    assignment_text: str,
    submissions: Submissions,
    seed: int = DEFAULT_SEED,
    format: Optional[str] = None,
    *,
    assignment_name: str = "assignment.deriv",
    trials: int = DEFAULT_TRIALS,
    samples: int = DEFAULT_SAMPLES,
    symbolic: bool = True,
    numeric: bool = True,
) -> Dict[str, Any]:
    """Grade submissions to an assignment; the report of ``grade --format json``.

    assignment_text: the assignment, ``.deriv`` text (declarations, the
        claim, perhaps points, milestones, a rubric, labelled steps).
    submissions: id → text (a dict), or ``(id, text)`` pairs, in the order
        the report lists them. Each id is kept as given; each submission's
        seed is mixed from ``seed`` and its id, as on the command line.
    format: how every submission is read: ``"deriv"``, ``"tex"``, ``"md"``
        or ``"txt"`` (the labels of an ordering exercise, ``C A E B D``);
        when None, by the id's extension (``alice.md``), else ``"deriv"``.
    assignment_name: the name the report and the assignment's errors give it.
    trials, samples, symbolic, numeric: as for ``check_text``.

    Returns ``{"assignment", "points", "rubric", "claim", "milestones",
    "submissions": [{"id", "score", "max", "valid", "first_invalid_line",
    "steps", "feedback", ...}], "notes", "summary"}`` (docs/json.md). A
    submission that cannot be read or parsed scores 0 with its errors; an
    assignment that cannot be used raises ``AssignmentError``.
    """
    items = submissions.items() if isinstance(submissions, Mapping) else submissions
    pairs = []
    for item in items:
        sub_id, text = item
        if not isinstance(sub_id, str) or not isinstance(text, str):
            raise TypeError(
                f"a submission is an (id, text) pair of strings, not ({type(sub_id).__name__}, {type(text).__name__})"
            )
        pairs.append((sub_id, text))
    return json.loads(
        _native.grade_json(
            assignment_text,
            assignment_name,
            pairs,
            format,
            seed,
            trials,
            samples,
            symbolic,
            numeric,
        )
    )
