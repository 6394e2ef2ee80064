"""The values every layer speaks: the neutral request, outcomes and finished choices,
API errors, the model catalogue, ids, the token counter. Knows no layer above it.
"""
