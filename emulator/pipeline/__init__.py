"""The request pipeline: settings, the runtime built from them, the outcome chosen,
accounted for, noted in the journal and answered (``respond``).
Knows no API's wire format: the surfaces pass their renderer in.
"""
