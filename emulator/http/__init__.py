"""The wire: the one interface answers are sent with (``send``), and behind it SSE framing,
whole-response and coalesced writes, pacing, answer heads and the memos that spare repeated
work. Knows no API semantics.
"""
