"""docs/cli.md stays true: every command of the CLI has a section with each of its options,
an example, and every exit code the CLI can return is explained; nothing stale is listed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer

from autoatlas.cli.main import app
from autoatlas.errors import AutoAtlasError

DOCS = Path(__file__).parents[2] / "docs" / "cli.md"
HEADING = re.compile(r"^#{2,4} `autoatlas ([a-z][a-z -]*)`$", re.MULTILINE)


def commands() -> dict[str, Any]:
    """Every command by its path ("import", "token create"), groups expanded."""
    found: dict[str, Any] = {}

    def walk(command: Any, path: list[str]) -> None:
        children = getattr(command, "commands", None)
        if children is None:
            found[" ".join(path)] = command
            return
        for name, child in children.items():
            walk(child, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def sections() -> dict[str, str]:
    """The text under each `autoatlas ...` heading, up to the next such heading."""
    text = DOCS.read_text(encoding="utf-8")
    marks = list(HEADING.finditer(text))
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return {m.group(1): text[m.end() : end] for m, end in zip(marks, ends, strict=True)}


def test_every_command_has_a_section_and_no_section_is_stale() -> None:
    documented, registered = set(sections()), set(commands())
    missing = sorted(registered - documented)
    assert not missing, f"commands not in docs/cli.md: {', '.join(missing)}"
    stale = sorted(documented - registered)
    assert not stale, f"docs/cli.md documents commands that do not exist: {', '.join(stale)}"


def test_every_option_is_documented_in_its_command_section() -> None:
    text = sections()
    missing = []
    for path, command in commands().items():
        section = text.get(path, "")
        for param in command.params:
            if param.param_type_name != "option" or param.hidden:
                continue
            for name in (*param.opts, *param.secondary_opts):
                if f"`{name}`" not in section:
                    missing.append(f"autoatlas {path} {name}")
    assert not missing, f"options not in docs/cli.md: {', '.join(missing)}"


def test_every_section_has_an_example() -> None:
    for path, section in sections().items():
        example = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
        assert example and f"autoatlas {path}" in example.group(1), f"no example for {path}"


def test_every_exit_code_is_explained() -> None:
    codes = {0, 1, 2}  # success, unexpected error, usage error (a bad option or argument)
    pending = [AutoAtlasError]
    while pending:
        error = pending.pop()
        codes.add(error.exit_code)
        pending.extend(error.__subclasses__())
    table = DOCS.read_text(encoding="utf-8").split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    listed = {int(code) for code in re.findall(r"^\| `(\d+)` \|", table, re.MULTILINE)}
    assert listed == codes, (
        f"exit codes in docs/cli.md: {sorted(listed)}, in errors.py: {sorted(codes)}"
    )
