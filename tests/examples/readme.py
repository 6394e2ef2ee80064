"""The harness's former name (it read README.md only): kept so that tests written against
it on other branches still import; new tests import ``tests.examples.docs``."""

from tests.examples.docs import README, REPO, commands, curl_requests, examples
from tests.examples.docs import doc_block as readme_block

__all__ = ["README", "REPO", "commands", "curl_requests", "examples", "readme_block"]
