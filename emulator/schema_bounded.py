"""jsonschema, bounded: the errors of an invalid body cost about what the quick check costs.

jsonschema explains why a body failed, but walks every part of it to do so, valid or not (a
body of 20,000 valid messages and one bad ``max_tokens`` took 0.7 s), and reports every
error (30,000 bad blocks: 17 s). Here each keyword of a subschema that the quick check
(:mod:`emulator.schema_fastcheck`) compiled first asks that check about the value, and
reports nothing when it passes: jsonschema only descends where the body is wrong, and
the errors found are the same ones. :data:`MAX_ERRORS` bounds how many errors are read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import Draft202012Validator, validators

from emulator.schema_fastcheck import Check

# The APIs report one error. The ranking (deepest, then first in the body) reads this many:
# enough that a body with a few errors reports the same one as with no bound.
MAX_ERRORS = 64

_Keyword = Callable[[Any, Any, Any, Any], Iterator[Any] | None]


def bounded_validator_class(compiled: Callable[[object], Check | None]) -> Any:
    """Draft 2020-12 whose keywords skip a value that passes its subschema's quick check.

    ``compiled`` gives the quick check made for a subschema (the same object), or None.
    Every keyword of one subschema asks about the same value: the last verdict is kept, with
    the objects themselves (not their ids, which a freed object hands on).
    """
    last: list[tuple[object, object, bool]] = [(None, None, False)]

    def passes(schema: object, instance: object) -> bool:
        seen_schema, seen_instance, verdict = last[0]
        if seen_schema is schema and seen_instance is instance:
            return verdict
        check = compiled(schema)
        try:
            verdict = check is not None and check(instance)
        except Exception:  # cannot happen for JSON values; jsonschema gives the verdict then
            verdict = False
        last[0] = (schema, instance, verdict)
        return verdict

    def pruned(keyword: _Keyword) -> _Keyword:
        def run(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
            if passes(schema, instance):
                return
            found = keyword(validator, value, instance, schema)
            if found is not None:
                yield from found

        return run

    keywords = {name: pruned(fn) for name, fn in Draft202012Validator.VALIDATORS.items()}
    return validators.extend(Draft202012Validator, keywords)  # type: ignore[no-untyped-call]
