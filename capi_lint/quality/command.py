"""What ``capi-lint crosscheck`` does once its flags are parsed.

Kept out of ``cli.py`` so that the CLI module stays thin; raises ValueError
(a one-line message without any secret, exit code 2) for anything that stops
the cross-check: a missing token, a bad flag, an unreadable saved response, a
Graph API error after retries.
"""

from __future__ import annotations

import os
from typing import Any

from capi_lint.config import Settings
from capi_lint.model import FileResult, RunResult, Severity, Summary
from capi_lint.quality import fetch_report, read_report_file, read_token, run_crosscheck


class CommandError(ValueError):
    """Stops the cross-check; ``str()`` is safe to print."""


def run_command(
    paths: list[str],
    settings: Settings,
    *,
    dataset_id: str | None,
    agent_name: str | None,
    endpoint: str,
    offline: bool,
    graph_url: str | None,
    api_version: str | None,
    token_env: str | None,
    token_file: str | None,
    token_in_query: bool,
    app_secret_env: str | None,
    quality_file: str | None,
    save_response: str | None,
    tolerance: float | None,
    timeout: float,
    max_wait: float,
    max_response_mib: float = 32.0,
) -> tuple[RunResult, list[str]]:
    """Get the report, predict, compare. Returns the findings as a RunResult
    (so every ``check`` reporter renders them) and notes for standard error."""
    agent = agent_name.strip() if agent_name and agent_name.strip() else None
    notes: list[str] = []
    if quality_file:
        if save_response:
            raise CommandError("--save-response needs a live call; drop --quality-file")
        source = read_report_file(quality_file, None)
    else:
        if not dataset_id:
            raise CommandError("--dataset-id is required (or cross-check a saved --quality-file)")
        token = read_token(token_env, token_file)
        app_secret = None
        if app_secret_env:
            app_secret = os.environ.get(app_secret_env, "").strip()
            if not app_secret:
                raise CommandError(f"--app-secret-env: ${app_secret_env} is not set")
        from capi_lint.quality.client import GraphError, RetryPolicy

        retry = RetryPolicy(max_wait=max_wait)
        try:
            source = fetch_report(
                dataset_id=dataset_id,
                token=token,
                endpoint=endpoint,
                agent_name=agent,
                offline=offline,
                graph_url=graph_url,
                api_version=api_version,
                app_secret=app_secret,
                token_in_query=token_in_query,
                timeout=timeout,
                retry=retry,
                save_to=save_response,
                max_response_bytes=int(max_response_mib * 1024 * 1024),
            )
        except GraphError as exc:
            raise CommandError(f"Meta Graph API: {exc}") from None
        if save_response:
            notes.append(f"saved the response to {save_response}")
    run = run_crosscheck(
        paths,
        source,
        settings,
        agent_name=agent.lower() if agent else None,
        tolerance=tolerance,
    )
    notes.extend(run.notes)
    result = RunResult(
        results=[FileResult(source.path, run.findings, run.events)],
        summary=_summary(run.files, run.events, run.findings),
    )
    return result, notes


def _summary(files: int, events: int, findings: list[Any]) -> Summary:
    summary = Summary(files=files, events=events)
    for finding in findings:
        if finding.severity is Severity.ERROR:
            summary.errors += 1
        elif finding.severity is Severity.WARNING:
            summary.warnings += 1
        else:
            summary.infos += 1
    return summary
