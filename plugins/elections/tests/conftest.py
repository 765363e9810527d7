import pytest


@pytest.fixture
def urna_plugins() -> list[str]:
    return ["elections"]
