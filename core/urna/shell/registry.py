"""Everything the loaded plugins contribute, collected once, attributed and validated.

Each ``urna_register_*`` implementation is called per plugin so that every
contribution is known by its plugin: names must carry the plugin's namespace,
and a route is mounted under its plugin's prefix.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Callable
from importlib.resources.abc import Traversable
from typing import Any, TypeVar

import attrs
import click
import pluggy

from urna.contributions import Demo, DeviceDriver, ModelApp, Page, Report, Role, Route
from urna.plugins import PluginError, PluginInfo, loaded_plugins, require_namespace
from urna.record.event_types import CORE_EVENT_TYPES, EventType, index_event_types
from urna.shell.permissions import CORE_ROLES
from urna.verify.check import VerifierCheck

T = TypeVar("T")


@attrs.frozen(slots=True)
class Registry:
    plugins: tuple[PluginInfo, ...]
    routes: dict[str, tuple[Route, ...]]
    pages: dict[str, tuple[Page, ...]]
    packages: dict[str, Traversable]
    """Each plugin's package folder, where its ``templates/`` and ``locale/`` are."""
    commands: dict[str, tuple[click.Command, ...]]
    model_apps: dict[str, ModelApp]
    event_types: dict[str, EventType]
    roles: dict[str, Role]
    reports: dict[str, Report]
    checks: tuple[VerifierCheck, ...]
    drivers: tuple[DeviceDriver, ...]
    demos: tuple[tuple[str, Demo], ...]


def build_registry(manager: pluggy.PluginManager) -> Registry:
    """Collect and validate every contribution of the loaded plugins."""
    hook = manager.hook
    routes = _per_plugin(hook.urna_register_routes, Route)
    pages = _per_plugin(hook.urna_register_pages, Page)
    commands = _per_plugin(hook.urna_register_commands, click.Command)
    model_apps: dict[str, ModelApp] = {}
    for plugin, apps in _per_plugin(hook.urna_register_models, ModelApp).items():
        if len(apps) > 1:
            raise PluginError(f"plugin {plugin!r} registers more than one model app")
        model_apps[plugin] = apps[0]
    event_types = _namespaced(hook.urna_register_event_types, EventType, lambda t: t.name)
    roles = _namespaced(hook.urna_register_roles, Role, lambda r: r.name)
    for plugin, plugin_roles in roles.items():
        for role in plugin_roles:
            for permission in role.permissions:
                require_namespace(plugin, "permission", permission)
    reports = _namespaced(hook.urna_register_reports, Report, lambda r: r.name)
    checks = _namespaced(hook.urna_register_verifier_checks, VerifierCheck, lambda c: c.id)
    all_roles = [*CORE_ROLES, *(r for rs in roles.values() for r in rs)]
    role_index: dict[str, Role] = {}
    for role in all_roles:
        if role.name in role_index:
            raise PluginError(f"role {role.name} is defined twice")
        role_index[role.name] = role
    permissions = {p for role in all_roles for p in role.permissions}
    for plugin in sorted(set(routes) | set(pages)):
        for route in (*routes.get(plugin, ()), *(p.route() for p in pages.get(plugin, ()))):
            if route.permission is not None and route.permission not in permissions:
                raise PluginError(
                    f"plugin {plugin!r} route {route.path} needs permission "
                    f"{route.permission!r}, which no role grants"
                )
    return Registry(
        plugins=tuple(loaded_plugins(manager)),
        routes=routes,
        pages=pages,
        packages=_packages(manager),
        commands=commands,
        model_apps=model_apps,
        event_types=index_event_types(
            [*CORE_EVENT_TYPES, *(t for ts in event_types.values() for t in ts)]
        ),
        roles=role_index,
        reports={r.name: r for rs in reports.values() for r in rs},
        checks=tuple(c for cs in checks.values() for c in cs),
        drivers=tuple(
            d
            for ds in _per_plugin(hook.urna_register_device_drivers, DeviceDriver).values()
            for d in ds
        ),
        demos=tuple(
            (plugin, demo)
            for plugin, demos in _per_plugin(hook.urna_register_demos, Demo).items()
            for demo in demos
        ),
    )


def _packages(manager: pluggy.PluginManager) -> dict[str, Traversable]:
    """The package folder of each plugin loaded from a module (not of in-test objects)."""
    found: dict[str, Traversable] = {}
    for name, plugin in manager.list_name_plugin():
        module = getattr(plugin, "__name__", None) if hasattr(plugin, "__file__") else None
        if name is not None and module:
            found[name] = importlib.resources.files(module.split(".")[0])
    return found


def _per_plugin(hook_caller: Any, kind: type[T]) -> dict[str, tuple[T, ...]]:
    """Call each implementation of a register hook, checking the type of what it returns."""
    result: dict[str, tuple[T, ...]] = {}
    for impl in reversed(hook_caller.get_hookimpls()):
        values = impl.function() or ()
        if not isinstance(values, (list, tuple)):
            raise PluginError(f"plugin {impl.plugin_name!r}: {hook_caller.name} must return a list")
        for value in values:
            if not isinstance(value, kind):
                raise PluginError(
                    f"plugin {impl.plugin_name!r}: {hook_caller.name} returned "
                    f"{type(value).__name__}, expected {kind.__name__}"
                )
        result[impl.plugin_name] = tuple(values)
    return result


def _namespaced(
    hook_caller: Any, kind: type[T], name_of: Callable[[T], str]
) -> dict[str, tuple[T, ...]]:
    contributions = _per_plugin(hook_caller, kind)
    for plugin, values in contributions.items():
        for value in values:
            require_namespace(plugin, kind.__name__, name_of(value))
    return contributions
