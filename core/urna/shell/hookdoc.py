"""Generate ``docs/hooks.md`` from ``urna.hookspecs``: ``python -m urna.shell.hookdoc``.

The reference is generated, never hand-edited, so it cannot drift from the
code; a test fails when the file is stale or a hook lacks documentation.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from urna import hookspecs

HEADER = """# Hook reference

Generated from `urna/hookspecs.py` by `python -m urna.shell.hookdoc`; do not edit.
Plugins implement these with `@urna.api.hookimpl`. Hooks named
`urna_register_*` return lists of values that the core validates and
namespaces by plugin; `urna_on_*` hooks are notifications.
"""


def hook_functions(module: ModuleType) -> list[tuple[str, Callable[..., object]]]:
    """The module's hookspecs, in the order the module defines them."""
    found = [
        (name, function)
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if name.startswith("urna_") and function.__module__ == module.__name__
    ]
    return sorted(found, key=lambda item: item[1].__code__.co_firstlineno)


def render(module: ModuleType = hookspecs) -> str:
    parts = [HEADER]
    for name, function in hook_functions(module):
        signature = str(inspect.signature(function)).replace("'", "")
        doc = inspect.cleandoc(function.__doc__ or "")
        parts.append(f"## `{name}`\n\n```python\ndef {name}{signature}\n```\n\n{doc}\n")
    return "\n".join(parts)


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/hooks.md")
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
