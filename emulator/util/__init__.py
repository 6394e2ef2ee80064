"""Small utilities with no emulator knowledge: the clock, bounded memos, the JSON codec,
value classes, logging, shipped data folders. Imports nothing else from the emulator.
"""
