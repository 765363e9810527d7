import attrs
import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "milli_majlis: run with the full 125-seat defaults instead of a 9-seat chamber"
    )


@pytest.fixture
def urna_plugins() -> list[str]:
    return ["parliament"]


@pytest.fixture
def urna_settings(urna_settings, request):
    """A 9-seat chamber with quorum 6 keeps most tests fast; mark a test milli_majlis for 125."""
    if request.node.get_closest_marker("milli_majlis"):
        return urna_settings
    return attrs.evolve(
        urna_settings, plugin_sections={"parliament": {"membership": 9, "quorum": 6}}
    )
