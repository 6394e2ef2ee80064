"""Token usage of one exchange, before it is put in any API's shape."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class PromptUsage:
    """How the prompt's tokens split between fresh input, cache writes and cache reads.

    ``input_tokens + cache_creation_tokens + cache_read_tokens`` is always the
    prompt's full token count.
    """

    input_tokens: int
    cache_creation_5m_tokens: int = 0
    cache_creation_1h_tokens: int = 0
    cache_read_tokens: int = 0

    @property
    def cache_creation_tokens(self) -> int:
        return self.cache_creation_5m_tokens + self.cache_creation_1h_tokens

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.cache_creation_tokens + self.cache_read_tokens


@lru_cache(maxsize=4096)
def uncached(prompt_tokens: int) -> PromptUsage:
    """A prompt that neither reads nor writes a cache: one shared object per size, so
    what is kept by usage (rendered bodies) is found by identity as well as value."""
    return PromptUsage(input_tokens=prompt_tokens)
