"""Misbehaviour on demand: chaos (random faults and latency under a seed) and the
``x-emulator-force`` header. Knows the scenario's reply forms, not the pipeline or the wire.
"""
