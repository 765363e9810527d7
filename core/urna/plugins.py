"""Building the plugin manager: allowlisted entry points, required plugins, no typos.

There is no global manager and nothing happens at import: every call builds a
fresh one, so each test and each process gets its own.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterable

import attrs
import pluggy

from urna import hookspecs
from urna.contributions import check_name
from urna.errors import UrnaError
from urna.verify.contribution import VerifierPlugin

ENTRY_POINT_GROUP = "urna"
VERIFY_ENTRY_POINT_GROUP = "urna.verify"
"""A plugin's pure :class:`~urna.verify.contribution.VerifierPlugin`, named by plugin:
what ``urna verify`` loads instead of the plugin's hooks (see docs/plugin-tutorial.md)."""
ALL_INSTALLED = "*"
PLUGIN_HOOKSPECS = "URNA_HOOKSPECS"
"""A loaded plugin module may name a module (or class) of its own hookspecs in this
attribute, so that other plugins can extend it (the parliament plugin's majority rules,
the elections plugin's law profiles). They are added before ``check_pending()``."""
hookimpl = pluggy.HookimplMarker(hookspecs.PROJECT)


class PluginError(UrnaError):
    """The plugin set cannot start: a required plugin is missing or a plugin is broken."""


@attrs.frozen(slots=True)
class PluginInfo:
    name: str
    distribution: str
    version: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "distribution": self.distribution, "version": self.version}


def installed_plugins() -> dict[str, importlib.metadata.EntryPoint]:
    """Entry points of the ``urna`` group, by plugin name."""
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def installed_verifiers() -> dict[str, VerifierPlugin]:
    """The ``urna.verify`` entry points of the installed plugins, loaded and checked.

    Only these pure modules are imported, never a plugin's hook module: an observer's
    ``urna verify`` runs without the web server, the database layer or device code.
    """
    found: dict[str, VerifierPlugin] = {}
    for entry_point in importlib.metadata.entry_points(group=VERIFY_ENTRY_POINT_GROUP):
        name = entry_point.name
        check_name("plugin", name)
        try:
            value = entry_point.load()
        except Exception as exc:
            raise PluginError(
                f"plugin {name!r}: its {VERIFY_ENTRY_POINT_GROUP} entry point "
                f"{entry_point.value!r} failed to load: {exc}"
            ) from exc
        if not isinstance(value, VerifierPlugin):
            raise PluginError(
                f"plugin {name!r}: its {VERIFY_ENTRY_POINT_GROUP} entry point "
                f"{entry_point.value!r} is a {type(value).__name__}, expected a VerifierPlugin"
            )
        for event_type in value.event_types:
            require_namespace(name, "EventType", event_type.name)
        for check in value.checks:
            require_namespace(name, "VerifierCheck", check.id)
        found[name] = value
    return found


def require_namespace(plugin: str, what: str, name: str) -> None:
    """A plugin's contributions are named ``<plugin>.<something>``."""
    if not name.startswith(f"{plugin}."):
        raise PluginError(f"plugin {plugin!r}: {what} {name!r} must start with '{plugin}.'")


def make_plugin_manager(
    allow: Iterable[str],
    require: Iterable[str] = (),
    *,
    extra: Iterable[tuple[str, object]] = (),
) -> pluggy.PluginManager:
    """A fresh manager with the allowed installed plugins loaded and checked.

    ``allow`` lists plugin names (``"*"`` allows every installed one);
    ``require`` lists plugins without which the appliance must not start;
    ``extra`` registers (name, object) pairs directly, for tests.
    """
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    available = installed_plugins()
    allowed = set(available) if ALL_INSTALLED in set(allow) else set(allow)
    required_missing = sorted(set(require) - set(available))
    if required_missing:
        raise PluginError(
            f"required plugin(s) not installed: {', '.join(required_missing)} "
            f"(installed: {', '.join(sorted(available)) or 'none'})"
        )
    for name in sorted(allowed & set(available)):
        check_name("plugin", name)
        try:
            manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP, name=name)
        except Exception as exc:
            raise PluginError(f"plugin {name!r} failed to load: {exc}") from exc
    for name, plugin in extra:
        check_name("plugin", name)
        manager.register(plugin, name=name)
    add_plugin_hookspecs(manager)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r} implements an unknown hook: {exc}") from None
    return manager


def add_plugin_hookspecs(manager: pluggy.PluginManager) -> None:
    """Add the hookspecs that loaded plugins declare in ``URNA_HOOKSPECS``.

    Called after every plugin is registered, so that an implementation of a
    plugin-declared hook is validated whatever order the plugins loaded in; a
    plugin's hook names must start with ``urna_<plugin>_``.
    """
    for name, plugin in manager.list_name_plugin():
        specs = getattr(plugin, PLUGIN_HOOKSPECS, None)
        if specs is None or name is None:
            continue
        for attribute in dir(specs):
            if attribute.startswith("urna_") and not attribute.startswith(f"urna_{name}_"):
                raise PluginError(
                    f"plugin {name!r} declares hook {attribute!r}; "
                    f"a plugin's own hooks must start with 'urna_{name}_'"
                )
        manager.add_hookspecs(specs)


def loaded_plugins(manager: pluggy.PluginManager) -> list[PluginInfo]:
    """Name, distribution and version of every loaded plugin, sorted by name."""
    dists = {id(plugin): dist for plugin, dist in manager.list_plugin_distinfo()}
    result = []
    for name, plugin in manager.list_name_plugin():
        dist = dists.get(id(plugin))
        result.append(
            PluginInfo(
                name,
                dist.project_name if dist is not None else "(not installed)",
                dist.version if dist is not None else "",
            )
        )
    return sorted(result, key=lambda info: info.name)
