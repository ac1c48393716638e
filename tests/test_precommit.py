"""The pre-commit hook, for real: a temporary git repository with payload
fixtures and the README's `.pre-commit-config.yaml` pointing at (a snapshot
of) this repository, run by the real `pre-commit`, which builds the hook's
environment from PyPI. Slow (about a minute): marked `slow`, still run by
default and in CI."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import NOW, body, website_event

import capi_lint

ROOT = Path(__file__).resolve().parents[1]
GIT = shutil.which("git")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(GIT is None, reason="needs git"),
    pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git checkout"),
]


def readme_block(name: str) -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    match = re.search(rf"<!-- snippet: {re.escape(name)} -->\s*```[\w-]*\n(.*?)```", text, re.S)
    assert match, f"README has no snippet {name!r}"
    return match.group(1)


def git(cwd: Path, *args: str) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="capi-lint tests",
        GIT_AUTHOR_EMAIL="tests@capi-lint.invalid",
        GIT_COMMITTER_NAME="capi-lint tests",
        GIT_COMMITTER_EMAIL="tests@capi-lint.invalid",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )
    done = subprocess.run(
        [GIT, *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def snapshot_of_this_repository(target: Path) -> str:
    """A one-commit copy of the working tree (tracked and new, not ignored files),
    so the hook under test is the code under test, committed or not."""
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "snapshot")
    # Releases are tagged `v<version>`: the README's `rev:` names that tag.
    git(target, "tag", f"v{capi_lint.__version__}")
    return git(target, "rev-parse", "HEAD")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def test_precommit_hook_in_a_real_repository(tmp_path: Path) -> None:
    """The README's config, as written, in a repository as users have them:
    `capi-lint check` with no arguments and the hook on every tracked file
    pass; a broken fixture still fails."""
    hook_repo = tmp_path / "capi-lint"
    hook_repo.mkdir()
    rev = snapshot_of_this_repository(hook_repo)

    work = tmp_path / "work"
    broken = json.dumps(body(website_event(event_time=NOW * 1000)), indent=2)
    payloads = work / "tests" / "payloads"
    write(payloads / "purchase.json", json.dumps(body(website_event()), indent=2))
    write(payloads / "events.jsonl", json.dumps(website_event()) + "\n")
    write(work / ".capi-lint.toml", f"now = {NOW}\n")
    write(work / "package.json", json.dumps({"name": "shop", "version": "1.0.0"}))
    write(work / "tsconfig.json", '{\n  // JSONC\n  "compilerOptions": {}\n}\n')
    write(work / ".gitignore", ".venv/\ncaptured/\n")
    write(work / "captured" / "today.json", broken)  # ignored by git
    write(work / ".venv" / "lib" / "site-packages" / "pkg" / "event.json", broken)
    # Committed vendored packages: pre-commit names them, --force-exclude leaves them.
    write(work / "node_modules" / "capi" / "fixture.json", broken)
    write(work / "node_modules" / "capi" / "package.json", json.dumps({"name": "capi"}))
    config = readme_block("pre-commit-config")
    assert "repo: https://github.com/capi-lint/capi-lint" in config
    # Only the repository's address changes (no network here); `rev:` is used as written.
    config = re.sub(r"repo: \S+", f"repo: {hook_repo.as_posix()}", config)
    assert rev and f"rev: v{capi_lint.__version__}" in config
    write(work / ".pre-commit-config.yaml", config)
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "fixtures")
    assert "node_modules/capi/fixture.json" in git(work, "ls-files")

    env = dict(
        os.environ,
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        PRE_COMMIT_COLOR="never",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
    )

    def pre_commit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )

    def lint(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "capi_lint", *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    checked = lint("check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == "All checks passed (2 files, 2 events).", checked.stdout

    # One run builds the hook environment.
    passed = pre_commit("--all-files")
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert re.search(r"capi-lint\.+Passed", output), output

    write(payloads / "refund.json", broken)
    git(work, "add", "tests/payloads/refund.json")
    assert lint("check").returncode == 1
    failed = pre_commit("--files", "tests/payloads/refund.json", "package.json")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "capi-lint" in output and "Failed" in output
    assert re.search(r"tests/payloads/refund\.json:\d+:\d+: E005 \[error\]", output), output
    assert "package.json:" not in output  # skipped, not linted


def test_hook_manifest_is_valid_for_pre_commit() -> None:
    from pre_commit.clientlib import load_manifest

    hooks = load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))
    assert [h["id"] for h in hooks] == ["capi-lint"]
    hook = hooks[0]
    assert hook["entry"].split()[:2] == ["capi-lint", "check"]
    assert "--force-exclude" in hook["entry"].split()
    assert hook["language"] == "python"
    files = re.compile(hook["files"])
    for name in ("a.json", "b/c.jsonl", "d.NDJSON"):
        assert files.search(name), name
    assert not files.search("a.yaml")


def test_readme_pins_the_tag_of_this_version_and_the_changelog_names_it() -> None:
    config = readme_block("pre-commit-config")
    assert re.search(rf"^\s*rev: v{re.escape(capi_lint.__version__)}$", config, re.M), config
    changelog = (ROOT / "CHANGELOG.md").read_text("utf-8")
    assert f"## {capi_lint.__version__}" in changelog
