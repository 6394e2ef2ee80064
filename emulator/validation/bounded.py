"""jsonschema, bounded: the errors of an invalid body cost about what the quick check costs.

jsonschema explains why a body failed, but walks every part of it to do so, valid or not (a
body of 20,000 valid messages and one bad ``max_tokens`` took 0.7 s), and reports every
error (30,000 bad blocks: 17 s). Here each keyword of a subschema that the quick check
(:mod:`emulator.validation.fastcheck`) compiled first asks that check about the value, and
reports nothing when it passes: jsonschema only descends where the body is wrong, and
the errors found are the same ones. :data:`MAX_ERRORS` bounds how many errors are read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import Draft202012Validator, validators

from emulator.validation.fastcheck import Check

# The APIs report one error. The ranking (deepest, then first in the body) reads this many:
# enough that a body with a few errors reports the same one as with no bound.
MAX_ERRORS = 64

_Keyword = Callable[[Any, Any, Any, Any], Iterator[Any] | None]


class BoundedValidators:
    """Makes the Draft 2020-12 class whose keywords skip a value that passes its subschema's
    quick check; ``compiled`` gives the quick check made for a subschema (the same object).

    Every keyword of a subschema asks about the same value, so the verdict is kept per
    subschema, with the value itself (not its id, which a freed object hands on); call
    :meth:`forget` after each validation so that no body is held.
    """

    def __init__(self, compiled: Callable[[object], Check | None]) -> None:
        self._compiled = compiled
        self._verdicts: dict[int, tuple[object, bool]] = {}
        keywords = {name: self._pruned(fn) for name, fn in Draft202012Validator.VALIDATORS.items()}
        self.validator_class: Any = validators.extend(  # type: ignore[no-untyped-call]
            Draft202012Validator, keywords
        )

    def forget(self) -> None:
        self._verdicts.clear()

    def _passes(self, schema: object, instance: object) -> bool:
        key = id(schema)
        seen = self._verdicts.get(key)
        if seen is not None and seen[0] is instance:
            return seen[1]
        check = self._compiled(schema)
        if check is None:
            return False
        try:
            verdict = check(instance)
        except Exception:  # cannot happen for JSON values; jsonschema gives the verdict then
            verdict = False
        self._verdicts[key] = (instance, verdict)
        return verdict

    def _pruned(self, keyword: _Keyword) -> _Keyword:
        passes = self._passes

        def run(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
            if passes(schema, instance):
                return
            found = keyword(validator, value, instance, schema)
            if found is not None:
                yield from found

        return run
