"""Benchmark of the emulator against a bare aiohttp baseline; see benchmarks/README.md."""
