"""The official OpenAPI documents as a test oracle.

``../shared/reference/specs/`` holds OpenAI's and Anthropic's OpenAPI documents (see its
README for provenance and known quirks). This package loads them once per test process
(:mod:`tests.spec.documents`), applies the documented quirks (:mod:`tests.spec.quirks`),
compiles validators for the operations the emulator serves (:mod:`tests.spec.operations`,
:mod:`tests.spec.validate`), and checks every response the tests receive over httpx
(:mod:`tests.spec.capture`, hooked in by :mod:`tests.spec.plugin`). Every deliberate gap
between the documents and the emulator is listed, with its reason, in
:mod:`tests.spec.exclusions`.
"""
