"""The JSON Schemas of the wire bodies: loading, the quick compiled check, and the
API's wording of a violation. Knows nothing else of the emulator.
"""
