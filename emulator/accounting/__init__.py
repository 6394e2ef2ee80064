"""Usage accounting: the prompt's blocks, the prompt cache, and rate limits.
Knows the neutral request's values, not scenarios, surfaces or HTTP.
"""
