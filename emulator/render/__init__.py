"""Each API's wire format for a finished choice: JSON bodies, stream events, and their
kept templates. Knows nothing of requests in flight, scenarios or the pipeline.
"""
