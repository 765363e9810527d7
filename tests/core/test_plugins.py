"""The plugin manager: allowlist, required plugins, misspelled hooks, namespacing."""

import pytest
from urna.api import EventType, Role, Route, hookimpl
from urna.plugins import PluginError, installed_plugins, loaded_plugins, make_plugin_manager
from urna.shell.registry import build_registry


def test_only_allowed_plugins_load():
    assert "example" in installed_plugins()
    assert loaded_plugins(make_plugin_manager([])) == []
    names = [info.name for info in loaded_plugins(make_plugin_manager(["example"]))]
    assert names == ["example"]


def test_loaded_plugins_carry_distribution_and_version():
    (info,) = loaded_plugins(make_plugin_manager(["example"]))
    assert (info.distribution, info.version) == ("urna-example", "0.1.0")


def test_a_missing_required_plugin_refuses_to_start():
    with pytest.raises(PluginError, match="required plugin\\(s\\) not installed: nosuch"):
        make_plugin_manager(["nosuch"], ["nosuch"])


def test_a_misspelled_hook_fails_loudly():
    class Typo:
        @hookimpl
        def urna_register_route(self):  # missing "s"
            return []

    with pytest.raises(PluginError, match="unknown hook"):
        make_plugin_manager([], extra=[("typo", Typo())])


def test_each_call_builds_a_fresh_manager():
    assert make_plugin_manager(["example"]) is not make_plugin_manager(["example"])


async def _handler(request):
    raise AssertionError


@pytest.mark.parametrize(
    ("hook", "value", "complaint"),
    [
        (
            "urna_register_event_types",
            EventType("other.thing", "x", lambda payload: None),
            "must start with 'stray.'",
        ),
        ("urna_register_roles", Role("stray.role", ("other.perm",)), "permission 'other.perm'"),
        ("urna_register_routes", Route("/x", _handler, permission="stray.ghost"), "no role grants"),
        ("urna_register_routes", "not a route", "expected Route"),
    ],
)
def test_contributions_are_validated_and_namespaced(hook, value, complaint):
    plugin = type("Stray", (), {hook: staticmethod(hookimpl(lambda: [value]))})()
    with pytest.raises(PluginError, match=complaint):
        build_registry(make_plugin_manager([], extra=[("stray", plugin)]))


def test_a_role_cannot_be_defined_twice():
    class One:
        @hookimpl
        def urna_register_roles(self):
            return [Role("one.clerk", ()), Role("one.clerk", ())]

    with pytest.raises(PluginError, match="defined twice"):
        build_registry(make_plugin_manager([], extra=[("one", One())]))


@pytest.mark.parametrize(
    ("route", "complaint"),
    [
        (lambda: Route("x", _handler), "must start with '/'"),
        (lambda: Route("/x", _handler, ("GET",), idempotent=True), "idempotent by nature"),
        (lambda: Route("/x", _handler, ("POST",), prepare=_handler), "prepare is for idempotent"),
    ],
)
def test_a_route_that_cannot_work_is_refused_when_made(route, complaint):
    with pytest.raises(ValueError, match=complaint):
        route()


def test_require_fields_lets_a_boolean_through_only_where_bool_is_asked():
    from urna.api import require_fields

    require_fields({"flag": True}, {"flag": (int, bool)})
    require_fields({"flag": False}, {"flag": bool})
    with pytest.raises(ValueError, match="must be int, not a boolean"):
        require_fields({"count": True}, {"count": int})
