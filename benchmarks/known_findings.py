"""Input classes of issue 19's known findings, fixed on other branches.

The fuzzers skip a case of these classes when asked to (``--skip-known``, and
the hypothesis suite always), so that what they report is what is *not* known
yet. When a fix merges, delete its entry here: the fuzzers then send that class
again and prove the fix.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.mutations import Case

# Every class issue 19 listed is fixed and merged, so the fuzzers send them all again:
# add an entry here only for a newly found, still open finding.
KNOWN: tuple[tuple[str, Callable[[Case], bool]], ...] = ()


def known_finding(case: Case) -> str | None:
    """The known finding whose input class ``case`` belongs to, if any."""
    for reason, matches in KNOWN:
        if matches(case):
            return reason
    return None
