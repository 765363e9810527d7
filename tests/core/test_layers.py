"""The pure core imports no shell, web, database, device or plugin code: two ways to check."""

import ast
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


def violations(package_dir: Path) -> list[str]:
    found = []
    for path in sorted(package_dir.rglob("*.py")):
        for name in imported_modules(path.read_text(encoding="utf-8")):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                found.append(f"{path.relative_to(package_dir.parent)} imports {name}")
    return found


@pytest.mark.parametrize("package", PURE)
def test_pure_package_imports_nothing_impure(package):
    assert violations(Path(urna.__file__).parent / package) == []


def test_the_scan_catches_an_impure_import(tmp_path):
    planted = tmp_path / "crypto"
    planted.mkdir()
    (planted / "leak.py").write_text("def f():\n    from urna.shell import db\n")
    assert violations(planted) == ["crypto/leak.py imports urna.shell"]


def test_import_linter_contracts_are_kept(monkeypatch, capsys):
    from importlinter.cli import lint_imports

    monkeypatch.chdir(ROOT)
    exit_code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    output = capsys.readouterr().out
    assert exit_code == 0, output[-3000:]
    assert "2 kept, 0 broken" in output
