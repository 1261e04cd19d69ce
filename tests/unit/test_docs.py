"""The README and docs/ stay true: short front door, links that resolve, commands that exist, no outside references.

Each check is a helper that returns what it found wrong, so the tests below can also hand it something broken and
see it fail.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import REPO

README = REPO / "README.md"
README_MAX_LINES = 160
PAGES = [README, *sorted((REPO / "docs").rglob("*.md"))]
# Written in two parts so this file does not name them itself.
FORBIDDEN_WORDS = ("DESIGN" + ".md", "steer" + "ing")

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?^ {0,3}\1[ \t]*$", re.M | re.S)
INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.S)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
MAKE = re.compile(r"(?<![\w$/-])make((?:[ \t]+[^\s`|;&)]+)+)")
MODULE_CLI = re.compile(r"\bpython(?:3(?:\.\d+)?)?\s+-m\s+(top_items|sandbox)(?![\w.])((?:[ \t]+[^\s`|;&)]+)*)")
MAKE_TARGET = re.compile(r"^([A-Za-z0-9_.-]+(?:[ \t]+[A-Za-z0-9_.-]+)*)[ \t]*:(?!=)", re.M)
# A repo path written in inline code: it starts at one of the repo's top-level folders and holds no placeholder.
REPO_PATH = re.compile(r"(?:dags|include|plugins|sandbox|tests|docs|scripts)/[\w./-]*")


# --- reading Markdown ---------------------------------------------------------------------------------------------


def without_code_blocks(text: str) -> str:
    """The text with fenced code blocks blanked out (line numbers kept)."""
    return FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def prose(text: str) -> str:
    """The text without code blocks or inline code: where links and headings are."""
    return INLINE_CODE.sub("", without_code_blocks(text))


def code(text: str) -> list[str]:
    """Every fenced code block and inline code span: where commands are written."""
    blocks = [m.group(0) for m in FENCE.finditer(text)]
    return blocks + [m.group(2) for m in INLINE_CODE.finditer(without_code_blocks(text))]


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: the rendered text, lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text stays
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").lower().strip()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(text: str) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for match in HEADING.finditer(without_code_blocks(text)):
        slug = github_slug(match.group(1))
        found.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return found


def broken_links(page: Path, root: Path = REPO) -> list[str]:
    """Relative links of a page that lead nowhere: no such file, outside the repo, or no such heading there."""
    broken = []
    for target in LINK.findall(prose(page.read_text())):
        if SCHEME.match(target):
            continue  # http:, https:, mailto: ...
        path_part, _, anchor = target.partition("#")
        path = (page.parent / path_part).resolve() if path_part else page
        if not path.is_relative_to(root.resolve()) or not path.exists():
            broken.append(target)
        elif anchor and path.suffix == ".md" and anchor not in anchors(path.read_text()):
            broken.append(target)
    return broken


# --- what the docs say exists ---------------------------------------------------------------------------------------


def missing_paths(text: str, root: Path = REPO) -> list[str]:
    """Repo paths written in inline code (`sandbox/world/stack.py`) that do not exist."""
    spans = (m.group(2).strip() for m in INLINE_CODE.finditer(without_code_blocks(text)))
    return [span for span in spans if REPO_PATH.fullmatch(span) and not (root / span).exists()]


def makefile_targets(makefile: Path = REPO / "Makefile") -> set[str]:
    return {name for match in MAKE_TARGET.finditer(makefile.read_text()) for name in match.group(1).split()}


def make_targets_written(text: str) -> set[str]:
    """The target of every `make ...` command in the code of a page (options and VAR=value skipped)."""
    written = set()
    for snippet in code(text):
        for match in MAKE.finditer(snippet):
            words = [w for w in match.group(1).split() if not w.startswith("-") and "=" not in w]
            if words and re.fullmatch(r"[A-Za-z][\w.-]*", words[0]):
                written.add(words[0])
    return written


def unknown_make_targets(text: str, targets: set[str]) -> set[str]:
    return make_targets_written(text) - targets


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def first_choices(parser: argparse.ArgumentParser) -> list[str] | None:
    """The choices of a subcommand's first positional argument, when it has any (``world up``, ``overrides add``)."""
    positionals = [a for a in parser._actions if not a.option_strings and a.dest != "help"]
    return list(positionals[0].choices) if positionals and positionals[0].choices else None


def unknown_cli_commands(text: str, clis: dict[str, argparse.ArgumentParser]) -> list[str]:
    """Every `python -m top_items X` / `python -m sandbox X` whose X (and its first choice) the CLI does not have."""
    wrong = []
    for snippet in code(text):
        for match in MODULE_CLI.finditer(snippet):
            cli, words = match.group(1), match.group(2).split()
            if not words or words[0].startswith(("-", "[")):
                continue  # the tool alone, or its --help
            command = subcommands(clis[cli]).get(words[0])
            if command is None:
                wrong.append(f"python -m {cli} {words[0]}")
                continue
            choices = first_choices(command)
            if choices and len(words) > 1 and not words[1].startswith(("-", "[")) and words[1] not in choices:
                wrong.append(f"python -m {cli} {words[0]} {words[1]}")
    return wrong


def real_clis() -> dict[str, argparse.ArgumentParser]:
    from sandbox.cli import parser as sandbox_parser
    from top_items.cli import parser as top_items_parser

    return {"top_items": top_items_parser(), "sandbox": sandbox_parser()}


# --- what the repo must never say -----------------------------------------------------------------------------------


def files_to_scan(root: Path = REPO) -> list[Path]:
    """Every tracked file, and every Markdown file git does not ignore."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=root, capture_output=True, check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):  # not a checkout (an image, an export): every Markdown file
        return sorted(p for p in root.rglob("*.md") if not any(part.startswith(".") for part in p.parts))
    return sorted({root / name for name in listed if name} | set(root.glob("*.md")) | set(root.rglob("docs/**/*.md")))


def forbidden_mentions(paths: list[Path], words: tuple[str, ...] = FORBIDDEN_WORDS) -> list[str]:
    found = []
    for path in paths:
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            continue  # deleted in the working tree but still tracked
        if b"\0" in data:
            continue  # binary
        text = data.decode("utf-8", errors="replace").lower()
        found += [f"{path}: {word}" for word in words if word.lower() in text]
    return found


# --- the checks -----------------------------------------------------------------------------------------------------


def test_the_readme_is_a_short_front_door():
    lines = len(README.read_text().splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail into docs/"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_resolves(page):
    assert broken_links(page) == []


def test_nothing_names_a_file_outside_the_repo():
    assert forbidden_mentions(files_to_scan()) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_repo_path_written_exists(page):
    assert missing_paths(page.read_text()) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_make_target_written_exists(page):
    assert unknown_make_targets(page.read_text(), makefile_targets()) == set()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_cli_command_written_exists(page):
    assert unknown_cli_commands(page.read_text(), real_clis()) == []


@pytest.mark.parametrize(("page", "heading"), [
    ("contracts.md", "Connections"), ("contracts.md", "Salesforce"), ("contracts.md", "CRM"),
    ("contracts.md", "Retailer app handoff"), ("models.md", "Business rules"), ("architecture.md", None),
])
def test_the_sections_the_code_points_at_exist(page, heading):
    path = REPO / "docs" / page
    assert path.exists()
    if heading:
        assert github_slug(heading) in anchors(path.read_text())


# --- each check can fail ----------------------------------------------------------------------------------------------


def test_a_broken_link_is_found(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text("# A page\n\n## The `on_remove` modes, and more\n")
    readme = tmp_path / "README.md"
    readme.write_text(
        "[ok](docs/page.md) [ok too](docs/page.md#the-on_remove-modes-and-more) [web](https://example.com)\n"
        "[gone](docs/missing.md) [no heading](docs/page.md#nowhere) [outside](../elsewhere.md)\n"
        "`[in code](docs/missing.md)`\n\n```\n[in a block](docs/missing.md)\n```\n[self](#a-heading)\n")
    assert broken_links(readme, root=tmp_path) == ["docs/missing.md", "docs/page.md#nowhere", "../elsewhere.md",
                                                   "#a-heading"]


def test_a_missing_path_is_found(tmp_path):
    (tmp_path / "plugins" / "pkg").mkdir(parents=True)
    (tmp_path / "plugins" / "pkg" / "mod.py").write_text("")
    text = ("`plugins/pkg/mod.py`, `plugins/pkg/`, `plugins/pkg/gone.py`, `include/sql/<layer>/`, `mod.py`\n"
            "```\nplugins/pkg/in_a_block.py\n```\n")
    assert missing_paths(text, root=tmp_path) == ["plugins/pkg/gone.py"]


def test_github_slugs():
    assert github_slug("Retailer app handoff") == "retailer-app-handoff"
    assert github_slug("`make demo`") == "make-demo"
    assert github_slug("0001. Write-audit-publish, by schemas") == "0001-write-audit-publish-by-schemas"
    assert anchors("# Notes\n## Notes\n```\n# not a heading\n```\n") == {"notes", "notes-1"}


def test_an_unknown_make_target_is_found(tmp_path):
    makefile = tmp_path / "Makefile"
    makefile.write_text("VENV := .venv\n.PHONY: demo test\ndemo: venv  ## x\n\techo\ntest test-server: venv\n")
    assert makefile_targets(makefile) >= {"demo", "test", "test-server", ".PHONY"}
    text = "Run `make demo FEED_DATE=2026-07-15`, then `make deploy`.\n```bash\nmake test && make -s nothing\n```\n"
    assert unknown_make_targets(text, makefile_targets(makefile)) == {"deploy", "nothing"}


def test_an_unknown_cli_command_is_found():
    text = ("`python -m top_items summary --date D`, `.venv/bin/python -m top_items simulate --date D`, "
            "`python -m top_items overrides add --id x`, `python -m top_items overrides remove`, "
            "`python -m sandbox world up`, `python -m sandbox world sideways`, `python -m sandbox.bench --quick`, "
            "`python -m sandbox`, `python -m top_items --help`\n```\npython3 -m sandbox teleport\n```\n")
    assert sorted(unknown_cli_commands(text, real_clis())) == sorted([
        "python -m top_items simulate", "python -m top_items overrides remove",
        "python -m sandbox world sideways", "python -m sandbox teleport"])


def test_a_forbidden_name_is_found(tmp_path):
    (tmp_path / "a.md").write_text("see the " + FORBIDDEN_WORDS[1].upper() + " notes")
    (tmp_path / "b.txt").write_text("fine")
    (tmp_path / "c.bin").write_bytes(b"\0" + FORBIDDEN_WORDS[0].encode())
    assert forbidden_mentions([tmp_path / "a.md", tmp_path / "b.txt", tmp_path / "c.bin"]) == [
        f"{tmp_path / 'a.md'}: {FORBIDDEN_WORDS[1]}"]
