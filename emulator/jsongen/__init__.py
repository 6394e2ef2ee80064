"""A deterministic generator of JSON values valid under a JSON Schema (structured output).
Self-contained: imports nothing else from the emulator.
"""
