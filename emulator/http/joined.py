"""Bytes kept split around per-answer values, and a stream's frames joined from them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

# Bytes between the values, which value goes after each piece but the last, and the
# output tokens the framed event carries (0 for a body).
Template = tuple[tuple[bytes, ...], tuple[int, ...], int]


def join(template: Template, values: Sequence[bytes]) -> bytes:
    pieces, order, _ = template
    if not order:
        return pieces[0]
    if len(order) == 1:  # most bodies: one id
        return b"".join((pieces[0], values[order[0]], pieces[1]))
    joined = [pieces[0]]
    for slot, piece in zip(order, pieces[1:], strict=True):
        joined.append(values[slot])
        joined.append(piece)
    return b"".join(joined)


def merge(templates: Sequence[Template]) -> Template:
    """One template for all of ``templates`` back to back."""
    pieces = [b""]
    order: list[int] = []
    for frame_pieces, frame_order, _ in templates:
        pieces[-1] += frame_pieces[0]
        order.extend(frame_order)
        pieces.extend(frame_pieces[1:])
    return tuple(pieces), tuple(order), sum(t[2] for t in templates)


class JoinedFrames:
    """A kept stream's frames for one answer: iterated as (bytes, tokens) frames, or
    taken whole in one piece when nothing paces or cuts the stream."""

    __slots__ = ("_frames", "_values", "_whole")

    def __init__(
        self, frames: Sequence[Template], whole: Template, values: Sequence[bytes]
    ) -> None:
        self._frames = frames
        self._whole = whole
        self._values = values

    def __iter__(self) -> Iterator[tuple[bytes, int]]:
        values = self._values
        for template in self._frames:
            yield join(template, values), template[2]

    def __len__(self) -> int:
        return len(self._frames)

    def whole(self) -> bytes:
        return join(self._whole, self._values)
