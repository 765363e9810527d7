"""Other plugins extend this one through its own hook; a misspelled one fails at start."""

from __future__ import annotations

import types

import pytest
from urna.api import hookimpl
from urna.testing import PluginError, make_plugin_manager
from urna_parliament.config import ParliamentConfig
from urna_parliament.majority import MajorityRule, index_rules


def plugin(**hooks: object) -> types.SimpleNamespace:
    return types.SimpleNamespace(**hooks)


def test_another_plugin_adds_a_majority_rule():
    rule = MajorityRule.create(
        "bundestag", "Majority of members", base="members", fraction="1/2", more_than=True
    )

    @hookimpl
    def urna_parliament_majority_rules() -> list[MajorityRule]:
        return [rule]

    manager = make_plugin_manager(
        ["parliament"],
        extra=[("acme", plugin(urna_parliament_majority_rules=(urna_parliament_majority_rules)))],
    )
    rules = index_rules(r for rs in manager.hook.urna_parliament_majority_rules() for r in rs)
    assert rules["bundestag"] is rule
    assert {"ordinary", "qualified", "constitutional", "simple"} <= set(rules)


def test_a_misspelled_implementation_of_the_plugins_hook_refuses_to_start():
    @hookimpl
    def urna_parliament_majority_rulez() -> list[MajorityRule]:
        return []

    with pytest.raises(PluginError, match="unknown hook"):
        make_plugin_manager(
            ["parliament"],
            extra=[("acme", plugin(urna_parliament_majority_rulez=urna_parliament_majority_rulez))],
        )


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"quorum": 200}, "quorum must be an integer 1..125"),
        ({"colour": "red"}, "unknown key"),
        ({"rules": [{"name": "x", "base": "everyone"}]}, "base must be one of"),
    ],
)
def test_bad_configuration_refuses_to_start_naming_the_key(section, message):
    with pytest.raises(ValueError, match=message):
        ParliamentConfig.from_mapping(section)
