"""Journal entries: headers packed into one bytes object and read back."""

from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st

from emulator.pipeline import journal
from emulator.pipeline.journal import Exchange, Journal, pack_headers, unpack_headers

_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=20)
# What a parsed header value can hold: any byte but CR, LF and NUL.
_VALUE = st.binary(max_size=40).map(lambda b: b.translate(None, b"\r\n\x00"))
_PAIRS = st.lists(st.tuples(_NAME.map(str.encode), _VALUE), max_size=12)


@given(_PAIRS)
def test_packed_headers_read_back_as_received(pairs: list[tuple[bytes, bytes]]) -> None:
    unpacked = unpack_headers(pack_headers(tuple(pairs)))
    expected = {n.decode(): v.decode("utf-8", "replace") for n, v in pairs}
    assert unpacked == expected


def test_entry_redacts_packed_credentials_and_parses_the_response() -> None:
    raw = ((b"X-Api-Key", b"sk-secret"), (b"X-Gateway-Token", b"gw"), (b"Accept", b"*/*"))
    exchange = Exchange(
        time=1.0,
        method="POST",
        path="/v1/messages",
        headers=pack_headers(raw),
        secret_headers=frozenset({"x-gateway-token"}),
        response_body=b'{"type":"message"}',
    )
    journal = Journal(capacity=1)
    journal.record(exchange)
    (entry,) = [e.to_json() for e in journal.entries()]
    assert entry["headers"] == {
        "x-api-key": "[redacted]",
        "x-gateway-token": "[redacted]",
        "accept": "*/*",
    }
    assert entry["response_body"] == {"type": "message"}
    assert entry["nearest_miss"] == [] and entry["id"] == 1


def test_the_request_body_reads_back_as_json_each_time_afresh() -> None:
    exchange = Exchange(
        time=1.0, method="POST", path="/", headers=b"", body=b'{"messages": [{"role": "user"}]}'
    )
    first = exchange.to_json()["body"]
    assert first == {"messages": [{"role": "user"}]}
    first["messages"].clear()  # a reader's copy: the entry is untouched
    assert exchange.to_json()["body"] == {"messages": [{"role": "user"}]}
    assert _exchange().to_json()["body"] is None


def test_a_cut_short_body_reads_as_text() -> None:
    exchange = Exchange(time=1.0, method="POST", path="/", headers=b"", response_body=b'{"ty')
    assert exchange.to_json()["response_body"] == '{"ty'
    assert exchange.to_json()["headers"] == {}


def _exchange() -> Exchange:
    return Exchange(time=1.0, method="POST", path="/v1/messages", headers=b"")


def test_dropped_counts_the_entries_gone_since_the_last_clear() -> None:
    journal = Journal(capacity=3)
    assert journal.dropped == 0
    for _ in range(5):
        journal.record(_exchange())
    assert [e.id for e in journal.entries()] == [3, 4, 5]
    assert journal.dropped == 2
    journal.clear()
    assert journal.dropped == 0 and journal.entries() == []
    for _ in range(4):
        journal.record(_exchange())
    assert journal.dropped == 1
    ids = [e.id for e in journal.entries()]
    assert len(ids) == 3 and ids == sorted(ids) and ids[0] > 5


def test_entries_recorded_from_many_threads_keep_unique_ids() -> None:
    journal = Journal(capacity=100_000)

    def record_many() -> None:
        for _ in range(2_000):
            journal.record(_exchange())

    threads = [threading.Thread(target=record_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [e.id for e in journal.entries()]
    assert len(ids) == 16_000 and len(set(ids)) == 16_000
    assert journal.dropped == 0


def test_the_same_headers_share_one_packing() -> None:
    raw = ((b"Host", b"localhost"), (b"X-Api-Key", b"k"))
    first = pack_headers(raw)
    again = pack_headers(tuple((bytes(n), bytes(v)) for n, v in raw))
    assert again is first
    other = pack_headers(((b"Host", b"localhost"), (b"X-Api-Key", b"j")))
    assert other is not first and unpack_headers(other)["X-Api-Key"] == "j"
    for index in range(600):  # many distinct clients: the shared set stays bounded
        unique = pack_headers(((b"X-Client", str(index).encode()),))
        assert unpack_headers(unique) == {"X-Client": str(index)}
    assert len(journal._SHARED_PACKINGS) <= journal._MAX_SHARED_PACKINGS
    assert unpack_headers(pack_headers(raw)) == {"Host": "localhost", "X-Api-Key": "k"}


def test_past_the_byte_budget_the_oldest_go_and_the_newest_stays() -> None:
    def entry(body_bytes: int) -> Exchange:
        return Exchange(1.0, "POST", "/v1/messages", b"", body=b"x" * body_bytes)

    kept = Journal(capacity=100, max_bytes=10_000)
    for _ in range(5):
        kept.record(entry(3_000))
    assert len(kept.entries()) == 2  # 2 x (3,000 + the per-entry overhead) fit
    assert kept.dropped == 3
    assert kept.bytes <= 10_000
    kept.record(entry(50_000))
    assert [len(e.body or b"") for e in kept.entries()] == [50_000]
    kept.clear()
    assert kept.bytes == 0 and kept.entries() == []
