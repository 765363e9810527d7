import attrs
import pytest

CHAMBER_450 = {
    "membership": 450,
    "quorum": 226,
    "vacant_seats": [17, 203, 388],
    "default_rule": "majority",
    "rule_set": ["majority", "two-thirds", "one-third"],
    "rules": [
        {
            "name": "majority",
            "title": "Majority of the deputies",
            "base": "members",
            "fraction": "1/2",
            "more_than": True,
        },
        {
            "name": "two-thirds",
            "title": "Two thirds of the deputies",
            "base": "members",
            "fraction": "2/3",
        },
        {
            "name": "one-third",
            "title": "One third of the deputies",
            "base": "members",
            "fraction": "1/3",
        },
    ],
}
"""A 450-seat chamber with three vacant seats and rules of 226, 300 and 150 of its
constitutional membership: another parliament is configuration (docs/parliament.md)."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "milli_majlis: run with the full 125-seat defaults instead of a 9-seat chamber"
    )
    config.addinivalue_line(
        "markers", "chamber_450: run with a 450-seat chamber with vacant seats (CHAMBER_450)"
    )


@pytest.fixture
def urna_plugins() -> list[str]:
    return ["parliament"]


@pytest.fixture
def urna_settings(urna_settings, request):
    """A 9-seat chamber with quorum 6 keeps most tests fast; mark a test milli_majlis for 125."""
    if request.node.get_closest_marker("milli_majlis"):
        return urna_settings
    if request.node.get_closest_marker("chamber_450"):
        return attrs.evolve(urna_settings, plugin_sections={"parliament": CHAMBER_450})
    return attrs.evolve(
        urna_settings, plugin_sections={"parliament": {"membership": 9, "quorum": 6}}
    )
