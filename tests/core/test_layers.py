"""The pure core imports no shell, web, database, device or plugin code: two ways to check."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest
import urna

ROOT = Path(__file__).resolve().parents[2]
PURE = ("crypto", "record", "verify")
FORBIDDEN = (
    "urna.shell",
    "urna.testing",
    "urna.api",
    "urna.plugins",
    "urna.hookspecs",
    "sanic",
    "tortoise",
    "pyudev",
    "click",
    "logging",
    "socket",
    "subprocess",
    "urna_parliament",
    "urna_elections",
    "urna_example",
)


def imported_modules(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def violations(package_dir: Path, forbidden: tuple[str, ...] = FORBIDDEN) -> list[str]:
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        if "build" in path.relative_to(package_dir).parts:
            continue
        for name in imported_modules(path.read_text(encoding="utf-8")):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(package_dir.parent)} imports {name}")
    return found


@pytest.mark.parametrize("package", PURE)
def test_pure_package_imports_nothing_impure(package):
    assert violations(Path(urna.__file__).parent / package) == []


@pytest.mark.parametrize(
    "plugin", ["plugins/parliament", "plugins/elections", "examples/urna-example"]
)
def test_plugins_and_their_tests_use_only_the_public_api(plugin):
    """A built-in plugin is written as an outside author would: urna.api, urna.contributions,
    urna.testing and the pure core, never the shell (its code, tests and scripts alike)."""
    assert violations(ROOT / plugin, ("urna.shell",)) == []


def test_the_scan_catches_an_impure_import(tmp_path):
    planted = tmp_path / "crypto"
    planted.mkdir()
    (planted / "leak.py").write_text("def f():\n    from urna.shell import db\n")
    assert violations(planted) == ["crypto/leak.py imports urna.shell"]


def test_import_linter_contracts_are_kept():
    # In a process of its own: import-linter configures logging with dictConfig, which
    # disables every logger that exists by then, so run in-process it silenced the
    # loggers of whatever tests ran after it on the same worker (a flaky caplog test).
    lint = (
        "import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True))"
    )
    run = subprocess.run(
        [sys.executable, "-c", lint, str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert "2 kept, 0 broken" in run.stdout
