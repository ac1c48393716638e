"""Output formats. ``REPORTERS`` is also the source of the ``--format`` choices.

A reporter is a pure function ``(run_result, **options) -> str`` (``color``
for text, ``fail_on`` for junit, ``rules`` -- ``registry.catalogue()`` -- for
sarif); it never prints, so every format can be tested without the CLI.
Reporters depend on :mod:`capi_lint.model` alone: importing one never loads
the engine, the loader, the config or the rule table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from capi_lint.reporters import github, json_report, junit, sarif, text

Reporter = Callable[..., str]
ChunkedReporter = Callable[..., Iterator[str]]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "github": github.render,
    "junit": junit.render,
}

#: The formats whose text can be written piece by piece, so that a long report
#: never sits in memory whole; each joins to its ``REPORTERS`` entry's text.
CHUNKED: dict[str, ChunkedReporter] = {
    "text": text.render_chunks,
    "json": json_report.render_chunks,
    "sarif": sarif.render_chunks,
}
