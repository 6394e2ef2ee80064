"""Token usage of one exchange, before it is put in any API's shape."""

from __future__ import annotations

from functools import lru_cache

from emulator.util.value_class import value_class


@value_class(slots=True)
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
def shared_usage(
    input_tokens: int, cache_creation_5m: int, cache_creation_1h: int, cache_read: int
) -> PromptUsage:
    """One shared object per split: the same prompt answered again gets the same usage,
    found by identity as well as value, and a frozen dataclass made per request
    costs more than the lookup."""
    return PromptUsage(input_tokens, cache_creation_5m, cache_creation_1h, cache_read)


def uncached(prompt_tokens: int) -> PromptUsage:
    """A prompt that neither reads nor writes a cache."""
    return shared_usage(prompt_tokens, 0, 0, 0)
