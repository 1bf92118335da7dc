"""Settings: a missing or weak secret stops the app outside development; development keeps its own."""
from __future__ import annotations

import pytest

from shared.data import config
from shared.data.config import ConfigError, Settings

STRONG = "s" * 32


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "DATA_DIR", tmp_path / ".data")
    return tmp_path / ".data"


def test_production_without_jwt_secret_refuses_to_start():
    with pytest.raises(ConfigError, match="JWT_SECRET is not set"):
        Settings.from_env({"APP_ENV": "production"})


def test_production_with_a_31_byte_secret_refuses_to_start():
    with pytest.raises(ConfigError, match="JWT_SECRET is only 31 bytes.*at least 32 bytes"):
        Settings.from_env({"APP_ENV": "production", "JWT_SECRET": "s" * 31})


def test_secret_length_is_counted_in_bytes_not_characters():
    # 16 two-byte characters are 32 bytes: long enough.
    assert Settings.from_env({"APP_ENV": "production", "JWT_SECRET": "é" * 16}).jwt_secret == "é" * 16


def test_production_with_a_32_byte_secret_starts():
    settings = Settings.from_env({"APP_ENV": "production", "JWT_SECRET": STRONG})
    assert settings.jwt_secret == STRONG and not settings.is_development


def test_secret_is_not_shown_in_the_settings_repr():
    assert STRONG not in repr(Settings.from_env({"APP_ENV": "production", "JWT_SECRET": STRONG}))


def test_unknown_app_env_is_refused():
    with pytest.raises(ConfigError, match="APP_ENV"):
        Settings.from_env({"APP_ENV": "staging", "JWT_SECRET": STRONG})


def test_development_without_secret_generates_one_under_data_dir(data_dir):
    settings = Settings.from_env({"APP_ENV": "development"})
    stored = (data_dir / "jwt_secret").read_text().strip()
    assert settings.jwt_secret == stored and len(stored.encode()) >= 32


def test_development_secret_file_is_private(data_dir):
    Settings.from_env({"APP_ENV": "development"})
    assert (data_dir / "jwt_secret").stat().st_mode & 0o077 == 0


def test_development_keeps_the_same_secret_across_starts(data_dir):
    first = Settings.from_env({"APP_ENV": "development"}).jwt_secret
    assert Settings.from_env({"APP_ENV": "development"}).jwt_secret == first


def test_development_replaces_a_stored_secret_that_is_too_short(data_dir):
    data_dir.mkdir(parents=True)
    (data_dir / "jwt_secret").write_text("")
    assert len(Settings.from_env({"APP_ENV": "development"}).jwt_secret.encode()) >= 32


def test_development_uses_a_strong_secret_from_the_environment(data_dir):
    assert Settings.from_env({"APP_ENV": "development", "JWT_SECRET": STRONG}).jwt_secret == STRONG
    assert not (data_dir / "jwt_secret").exists()


@pytest.mark.parametrize("name", ["BCRYPT_ROUNDS", "ACCESS_TOKEN_MINUTES", "REFRESH_TOKEN_DAYS", "SUMMARY_BATCH_SIZE"])
def test_non_numeric_int_setting_is_refused(name):
    with pytest.raises(ConfigError, match=f"{name} must be a whole number"):
        Settings.from_env({"APP_ENV": "production", "JWT_SECRET": STRONG, name: "twelve"})


@pytest.mark.parametrize("value", ["3", "17", "-1"])
def test_out_of_range_bcrypt_rounds_is_refused(value):
    with pytest.raises(ConfigError, match="BCRYPT_ROUNDS must be between 4 and 16"):
        Settings.from_env({"APP_ENV": "production", "JWT_SECRET": STRONG, "BCRYPT_ROUNDS": value})


def test_blank_int_setting_takes_its_default():
    assert Settings.from_env({"APP_ENV": "production", "JWT_SECRET": STRONG, "BCRYPT_ROUNDS": " "}).bcrypt_rounds == 12


def test_database_url_defaults_to_the_local_sqlite_file():
    assert Settings.from_env({"APP_ENV": "production", "JWT_SECRET": STRONG}).database_url.startswith("sqlite:///")


# --- a setting the platform did not resolve, or cannot run on (issue 15 item 4, issue 22) -----------

KEY_VAULT = "@Microsoft.KeyVault(SecretUri=https://kv-finance.vault.azure.net/secrets/jwt-secret/)"


@pytest.mark.parametrize("app_env", ["production", "development"])
def test_an_unresolved_key_vault_reference_as_jwt_secret_refuses_to_start(app_env):
    with pytest.raises(ConfigError, match="JWT_SECRET is an unresolved Key Vault reference"):
        Settings.from_env({"APP_ENV": app_env, "JWT_SECRET": KEY_VAULT})


@pytest.mark.parametrize("name", ["AZURE_OPENAI_API_KEY", "DATABASE_URL"])
def test_an_unresolved_key_vault_reference_in_any_setting_refuses_to_start(name):
    with pytest.raises(ConfigError, match=f"{name} is an unresolved Key Vault reference"):
        Settings.from_env({"APP_ENV": "production", "JWT_SECRET": STRONG, name: "  " + KEY_VAULT.lower()})


@pytest.mark.parametrize("url", ["mysql://u:p@host/db", "mysql+pymysql://host/db", "oracle://host/db",
                                 "postgresql+asyncpg://host/db", "not a url"])
def test_an_unsupported_database_url_names_the_supported_schemes(url):
    with pytest.raises(ConfigError, match="DATABASE_URL.*sqlite.*postgresql.*mssql\\+pyodbc") as caught:
        Settings.from_env({"APP_ENV": "production", "JWT_SECRET": STRONG, "DATABASE_URL": url})
    assert ":p@" not in str(caught.value)


@pytest.mark.parametrize("url", ["sqlite:///x.db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db",
                                 "mssql+pyodbc://server/db", "mssql://server/db"])
def test_supported_database_urls_are_accepted(url):
    assert Settings.from_env({"APP_ENV": "production", "JWT_SECRET": STRONG, "DATABASE_URL": url}).database_url == url


def _start(command: list[str], env: dict[str, str]):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    clean = {k: v for k, v in os.environ.items() if k not in {"APP_ENV", "JWT_SECRET", "BCRYPT_ROUNDS",
                                                               "DATABASE_URL"}}
    return subprocess.run([sys.executable, *command], cwd=root, env={**clean, **env}, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("env,reason", [
    ({"APP_ENV": "staging"}, "APP_ENV"),
    ({"BCRYPT_ROUNDS": "abc"}, "BCRYPT_ROUNDS must be a whole number"),
    ({"APP_ENV": "production", "JWT_SECRET": "weak"}, "JWT_SECRET is only 4 bytes"),
    ({"DATABASE_URL": "mysql://root@localhost/finance"}, "DATABASE_URL scheme 'mysql' is not supported"),
])
def test_devhost_stops_on_a_bad_setting_with_one_line(env, reason):
    done = _start(["devhost.py", "--port", "0"], env)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0] and "Traceback" not in done.stderr, done.stderr


def test_the_function_app_stops_on_a_bad_setting_with_the_reason():
    done = _start(["-c", "import function_app"], {"DATABASE_URL": "mysql://root@localhost/finance"})
    assert done.returncode != 0
    assert "ConfigError: DATABASE_URL scheme 'mysql' is not supported" in done.stderr.strip().splitlines()[-1]
    assert "ModuleNotFoundError" not in done.stderr and "During handling" not in done.stderr
