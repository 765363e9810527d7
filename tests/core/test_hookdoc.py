"""Every hook is documented, and docs/hooks.md is what the generator makes of them."""

import inspect
from pathlib import Path

import pluggy
import pytest
from urna import hookspecs
from urna.shell.hookdoc import hook_functions, render

DOCS = Path(__file__).resolve().parents[2] / "docs" / "hooks.md"
HOOKS = hook_functions(hookspecs)


def test_hook_reference_is_current():
    assert DOCS.read_text(encoding="utf-8") == render(), (
        "docs/hooks.md is stale: run `python -m urna.shell.hookdoc`"
    )


@pytest.mark.parametrize(("name", "function"), HOOKS, ids=[name for name, _ in HOOKS])
def test_hook_is_documented_and_typed(name, function):
    doc = inspect.getdoc(function) or ""
    assert len(doc.split()) >= 12, f"{name} needs a docstring that states its contract"
    assert "Added in" in doc, f"{name} must say which version added it"
    signature = inspect.signature(function)
    assert signature.return_annotation is not inspect.Signature.empty, f"{name} lacks a return type"
    for parameter in signature.parameters.values():
        assert parameter.annotation is not inspect.Parameter.empty, (
            f"{name}({parameter.name}) untyped"
        )


def test_every_spec_is_registered_as_a_hookspec():
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    assert {name for name, _ in HOOKS} == {
        name for name in dir(manager.hook) if name.startswith("urna_")
    }
