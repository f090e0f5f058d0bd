"""Docs are part of the interface: every hook, CLI command and setting must be documented."""

from __future__ import annotations

import inspect
import re
from dataclasses import fields
from pathlib import Path

import click
import pytest

import faceclips
from faceclips.cli import cli, register_plugin_commands
from faceclips.hookspecs import FaceclipsSpecs

DOCS = Path(__file__).resolve().parent.parent / "docs"
HOOKS = [name for name, _ in inspect.getmembers(FaceclipsSpecs, inspect.isfunction) if name.startswith("faceclips_")]


def commands(group: click.Group, prefix: str = "faceclips") -> list[str]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        found.extend(commands(command, path) if isinstance(command, click.Group) else [path])
    return found


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_section_with_an_example(hook):
    text = (DOCS / "plugins.md").read_text()
    match = re.search(rf"^### `{hook}`\n(.*?)(?=^### |\Z)", text, re.S | re.M)
    assert match, f"docs/plugins.md has no '### `{hook}`' section"
    assert "@faceclips.hookimpl" in match.group(1) and f"def {hook}(" in match.group(1)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_spec_has_a_docstring_with_an_example(hook):
    doc = inspect.getdoc(getattr(FaceclipsSpecs, hook)) or ""
    assert "Example" in doc and f"def {hook}(" in doc


def test_docs_do_not_mention_hooks_that_do_not_exist():
    text = (DOCS / "plugins.md").read_text()
    assert set(re.findall(r"^### `(faceclips_\w+)`", text, re.M)) == set(HOOKS)


register_plugin_commands()  # commands that plugins add are documented too


@pytest.mark.parametrize("command", commands(cli))
def test_every_cli_command_is_documented(command):
    assert f"## `{command}" in (DOCS / "cli.md").read_text()


@pytest.mark.parametrize("field", [f.name for f in fields(faceclips.StorageConfig)])
def test_every_storage_setting_is_documented(field):
    assert f"| `{field}` |" in (DOCS / "configuration.md").read_text()


def test_every_environment_variable_is_documented():
    sources = "".join(p.read_text() for p in (Path(faceclips.__file__).parent).glob("*.py"))
    text = (DOCS / "configuration.md").read_text()
    for variable in set(re.findall(r'"(FACECLIPS_[A-Z_]+)"', sources)):
        name = variable if not variable.endswith("_") else variable + "<NAME>"
        assert variable in text, f"{name} is not in docs/configuration.md"


def test_docs_links_resolve():
    for page in DOCS.glob("*.md"):
        for target in re.findall(r"\]\(([^)#]+\.md)\)", page.read_text()):
            if "://" not in target:
                assert (page.parent / target).resolve().exists(), f"{page.name} links to missing {target}"


@pytest.mark.parametrize(
    ("section", "field"),
    [(section, f.name) for section, cls in faceclips.settings.SECTION_TYPES.items() for f in fields(cls)],
)
def test_every_pipeline_setting_is_documented(section, field):
    text = (DOCS / "configuration.md").read_text()
    match = re.search(rf"^### `\[{section}\]`\n(.*?)(?=^##|\Z)", text, re.S | re.M)
    assert match and f"| `{field}` |" in match.group(1), f"[{section}] {field} is not in docs/configuration.md"
