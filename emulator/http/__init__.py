"""The wire: SSE framing, whole-response and coalesced writes, pacing, answer heads, and the
memos that spare repeated work. Each trick sits behind one small interface; knows no API semantics.
"""
