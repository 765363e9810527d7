"""What a verification check is: the value the core and plugins contribute.

A check has a stable id (``record.chain``, ``crypto.selection-proofs``,
``parliament.quorum``) and a function that looks at the whole record and
yields a :class:`Failure` for every problem it finds, naming where. It never
stops at the first problem and never returns a bare False: the observer is
told every failed check and every place.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

if TYPE_CHECKING:
    from urna.verify.record_view import RecordView

CHECK_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9][a-z0-9-]*$")

T = TypeVar("T")
R = TypeVar("R")


@attrs.frozen(slots=True)
class Failure:
    """One problem found by one check, at one place in the record."""

    check: str
    where: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"check": self.check, "where": self.where, "message": self.message}


class CheckContext:
    """What a running check may use besides the record: parallel map and progress."""

    def __init__(
        self,
        mapper: Callable[[Callable[[Any], Any], Sequence[Any]], Iterator[Any]],
        progress: Callable[[str, int, int], None],
        check_id: str,
    ) -> None:
        self._mapper = mapper
        self._progress = progress
        self._check_id = check_id

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        """``map`` over worker processes when ``--jobs`` > 1; ``function`` must be
        a module-level function and items picklable. Results come in order. With
        workers, the work is submitted before this returns."""
        return self._reporting(self._mapper(function, items), len(items))

    def _reporting(self, results: Iterator[R], total: int) -> Iterator[R]:
        for done, result in enumerate(results, start=1):
            if done == total or done % 256 == 0:
                self._progress(self._check_id, done, total)
            yield result


CheckFunction = Callable[["RecordView", CheckContext], Iterable[Failure]]
StartFunction = Callable[["RecordView", CheckContext], None]


@attrs.frozen(slots=True)
class VerifierCheck:
    """A named check over a whole record; ``run`` yields every failure it finds.

    ``start``, when given, is called for every check before any check runs: a
    check whose work is long and parallel submits it there (through
    ``context.map``, whose work begins at once), so that worker processes are
    busy while the quick serial checks run in the main process.

    ``applies_to``, when given, names the event types the check is about (a type, or a
    prefix ending in ``.`` or ``_``): a record with none of them is reported "not
    applicable" rather than passed, so an observer never reads "ok" for what nobody
    checked.
    """

    id: str
    title: str
    run: CheckFunction
    start: StartFunction | None = None
    applies_to: tuple[str, ...] = ()

    def applies(self, event_types: Iterable[str]) -> bool:
        return not self.applies_to or any(t.startswith(self.applies_to) for t in event_types)

    @property
    def description(self) -> str:
        """What the check establishes: the first paragraph of its function's docstring."""
        doc = (self.run.__doc__ or self.title).strip()
        return " ".join(doc.split("\n\n")[0].split())

    def __attrs_post_init__(self) -> None:
        if not CHECK_ID.fullmatch(self.id):
            raise ValueError(f"check id {self.id!r} must look like 'namespace.check-name'")
