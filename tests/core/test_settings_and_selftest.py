"""Settings resolve from file and environment strictly; the start-up self-test bites."""

from pathlib import Path

import nacl.bindings
import pytest
from urna.shell import selftest
from urna.shell.settings import SettingsError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "urna.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_file_then_environment(tmp_path):
    config = write(tmp_path, 'data_dir = "data"\n[server]\nport = 9000\n[plugins]\nallow = ["a"]\n')
    settings = load_settings(config, env={"URNA_PORT": "9100", "URNA_PLUGINS_REQUIRE": "a, b"})
    assert settings.data_dir == (tmp_path / "data").resolve()
    assert settings.port == 9100
    assert settings.plugins_allow == ("a",)
    assert settings.plugins_require == ("a", "b")
    assert settings.uses_sqlite


def test_data_dir_settings_file_is_found(tmp_path):
    write(tmp_path, "[server]\nport = 9200\n")
    assert load_settings(data_dir=tmp_path, env={}).port == 9200


@pytest.mark.parametrize(
    ("text", "env", "complaint"),
    [
        ("[server]\nprot = 1\n", {}, "unknown setting 'server.prot'"),
        ("[sever]\nport = 1\n", {}, "unknown section \\[sever\\]"),
        ("[server]\nport = 0\n", {}, "port must be 1..65535"),
        ("", {"URNA_PORT": "eighty"}, "URNA_PORT must be an integer"),
        ("", {"URNA_WORKERS": "0"}, "workers must be at least 1"),
        ('database_url = "mysql://x"\n', {}, "database_url"),
        ("[server\n", {}, "not valid TOML"),
        ("[server]\nheader_timeout_seconds = 0\n", {}, "header_timeout_seconds must be at least 1"),
        ("[server]\nmax_connections_per_address = -1\n", {}, "max_connections_per_address"),
    ],
)
def test_bad_settings_name_the_key(tmp_path, text, env, complaint):
    with pytest.raises(SettingsError, match=complaint):
        load_settings(write(tmp_path, text), env=env)


def test_slow_client_limits_come_from_the_server_section(tmp_path):
    text = "[server]\nheader_timeout_seconds = 5\nbody_timeout_seconds = 30\n"
    text += (
        "response_timeout_seconds = 20\nkeep_alive_seconds = 3\nmax_connections_per_address = 0\n"
    )
    settings = load_settings(write(tmp_path, text), env={})
    assert (
        settings.header_timeout_seconds,
        settings.body_timeout_seconds,
        settings.response_timeout_seconds,
        settings.keep_alive_seconds,
        settings.max_connections_per_address,
    ) == (5, 30, 20, 3, 0)


def test_several_workers_may_share_the_embedded_sqlite(tmp_path):
    """Each worker's transactions take SQLite's write lock at BEGIN (urna.shell.sqlite_engine,
    tested in test_sqlite_processes.py), so workers need no server database."""
    settings = load_settings(write(tmp_path, ""), env={"URNA_WORKERS": "2"})
    assert (settings.workers, settings.uses_sqlite) == (2, True)


def test_selftest_passes_on_this_platform():
    selftest.check_libraries()


def test_selftest_refuses_old_pynacl():
    with pytest.raises(selftest.SelfTestError, match=r"older than 1\.6\.2"):
        selftest.check_libraries(pynacl_version="1.6.1")


def test_selftest_refuses_a_libsodium_that_accepts_mixed_order_points():
    with pytest.raises(selftest.SelfTestError, match="B\\+T2"):
        selftest.check_libraries(is_valid_point=lambda point: True)


MIXED_ORDER_POINT = nacl.bindings.crypto_core_ed25519_add(
    selftest.BASE_POINT, selftest.ORDER_TWO_POINT
)


@pytest.mark.parametrize("accepted", [MIXED_ORDER_POINT, selftest.ORDER_TWO_POINT])
def test_selftest_refuses_a_multiplication_that_takes_bad_points(accepted):
    """Point.decode_times validates ciphertext points through libsodium's multiplication."""

    def multiply(scalar: bytes, point: bytes) -> bytes:
        if point != accepted:
            raise RuntimeError("refused")
        return point

    with pytest.raises(selftest.SelfTestError, match="multiplies"):
        selftest.check_libraries(multiply=multiply)
