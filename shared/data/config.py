"""One typed settings object, read once from the environment (app settings on Azure)."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = ROOT / ".data"
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'finance.db'}"
MIN_SECRET_BYTES = 32
KEY_VAULT_REFERENCE = "@microsoft.keyvault("
# The database URL schemes the app runs on, and the drivers each one means here.
SUPPORTED_DATABASES = {
    "sqlite": {"", "pysqlite"},
    "postgresql": {"", "psycopg"},
    "postgres": {""},
    "mssql": {"", "pyodbc"},
}
SETTING_NAMES = (
    "APP_ENV", "DATABASE_URL", "JWT_SECRET", "JWT_ISSUER", "JWT_AUDIENCE", "ACCESS_TOKEN_MINUTES",
    "REFRESH_TOKEN_DAYS", "BCRYPT_ROUNDS", "SUMMARY_SCHEDULE", "SUMMARY_BATCH_SIZE", "RECURRING_SCHEDULE",
    "REGISTRATION_LIMIT_PER_HOUR",
    "AZURE_SQL_CLIENT_ID", "AZURE_CLIENT_ID", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_DEPLOYMENT",
    "AZURE_OPENAI_API_VERSION", "AZURE_OPENAI_TIMEOUT_SECONDS", "AZURE_OPENAI_API_KEY", "LOG_LEVEL",
)
SUPPORTED_SCHEMES = "sqlite:///<file>, postgresql://… (psycopg 3) or mssql+pyodbc://<server>/<database>"


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the app refuses to start."""


def _int(env: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _refuse_key_vault_references(env: dict[str, str]) -> None:
    """An app setting that is still `@Microsoft.KeyVault(...)` was not resolved by the platform (the
    identity may not read the secret, or the secret does not exist). Its literal text must never
    be used: as JWT_SECRET it is long enough to pass the length check, and anyone can read it."""
    for name in SETTING_NAMES:
        if env.get(name, "").strip().lower().startswith(KEY_VAULT_REFERENCE):
            raise ConfigError(
                f"{name} is an unresolved Key Vault reference (@Microsoft.KeyVault(...)); the platform could not "
                "read the secret: check that the Function App's identity may read it (Key Vault Secrets User) "
                "and that the reference names an existing secret")


def _database_url(env: dict[str, str]) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(f"DATABASE_URL is not a database URL; use {SUPPORTED_SCHEMES}") from None
    backend, _, driver = parsed.drivername.partition("+")
    if driver not in SUPPORTED_DATABASES.get(backend, ()):
        raise ConfigError(f"DATABASE_URL scheme {parsed.drivername!r} is not supported; use {SUPPORTED_SCHEMES}")
    return url


def _dev_secret() -> str:
    """A random secret made once per checkout and kept under .data/ (development only).

    The file appears whole or not at all (written aside, then linked into place), so a second
    process starting at the same moment never reads it half-written and signs with an empty key;
    a stored secret that is somehow too short is replaced rather than used.
    """
    path = DATA_DIR / "jwt_secret"
    stored = _read_secret(path)
    if stored is not None and len(stored.encode()) >= MIN_SECRET_BYTES:
        return stored
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    staged = path.with_name(f"jwt_secret.{os.getpid()}.tmp")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret)
    try:
        if stored is not None:  # present but too short: replace it
            os.replace(staged, path)
            return secret
        try:
            os.link(staged, path)  # atomic: fails if another process got there first
        except FileExistsError:
            return _dev_secret()
        return secret
    finally:
        staged.unlink(missing_ok=True)


def _read_secret(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    jwt_secret: str = field(default="", repr=False)
    jwt_issuer: str = "finance-api"
    jwt_audience: str = "finance-api-clients"
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    bcrypt_rounds: int = 12
    app_env: str = "development"
    summary_schedule: str = "0 0 2 1 * *"  # NCRONTAB: 02:00 UTC on the 1st of every month
    summary_batch_size: int = 500
    recurring_schedule: str = "0 0 1 * * *"  # NCRONTAB: 01:00 UTC every day
    registration_limit_per_hour: int = 50
    fx_rates_schedule: str = "0 0 16 * * *"  # 16:00 UTC daily, after the ECB publishes (~16:00 CET)
    fx_rates_url: str = ""  # empty: no reference rates are fetched; the API works on the users' own rates
    azure_sql_client_id: str = ""
    azure_openai_endpoint: str = ""
    azure_openai_deployment: str = ""
    azure_openai_api_version: str = "2024-10-21"
    azure_openai_timeout_seconds: int = 10
    azure_openai_api_key: str = field(default="", repr=False)  # empty: a managed-identity token instead
    log_level: str = "INFO"

    @property
    def is_development(self) -> bool:
        return self.app_env == "development"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        _refuse_key_vault_references(env)
        app_env = env.get("APP_ENV", "development").strip().lower() or "development"
        if app_env not in {"development", "production"}:
            raise ConfigError(f"APP_ENV must be 'development' or 'production', got {app_env!r}")
        secret = env.get("JWT_SECRET", "")
        if len(secret.encode()) < MIN_SECRET_BYTES:
            if app_env != "development":
                problem = "is not set" if not secret else f"is only {len(secret.encode())} bytes"
                raise ConfigError(
                    f"JWT_SECRET {problem}; set it to a random value of at least {MIN_SECRET_BYTES} bytes "
                    "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))'), "
                    "or set APP_ENV=development for a generated local secret"
                )
            secret = _dev_secret()
        return cls(
            database_url=_database_url(env),
            jwt_secret=secret,
            jwt_issuer=env.get("JWT_ISSUER", "").strip() or cls.jwt_issuer,
            jwt_audience=env.get("JWT_AUDIENCE", "").strip() or cls.jwt_audience,
            access_token_minutes=_int(env, "ACCESS_TOKEN_MINUTES", 15, 1, 24 * 60),
            refresh_token_days=_int(env, "REFRESH_TOKEN_DAYS", 30, 1, 365),
            bcrypt_rounds=_int(env, "BCRYPT_ROUNDS", 12, 4, 16),
            app_env=app_env,
            summary_schedule=env.get("SUMMARY_SCHEDULE", "").strip() or cls.summary_schedule,
            summary_batch_size=_int(env, "SUMMARY_BATCH_SIZE", 500, 1, 100_000),
            recurring_schedule=env.get("RECURRING_SCHEDULE", "").strip() or cls.recurring_schedule,
            registration_limit_per_hour=_int(env, "REGISTRATION_LIMIT_PER_HOUR", 50, 1, 1_000_000),
            fx_rates_schedule=env.get("FX_RATES_SCHEDULE", "").strip() or cls.fx_rates_schedule,
            fx_rates_url=env.get("FX_RATES_URL", "").strip(),
            azure_sql_client_id=env.get("AZURE_SQL_CLIENT_ID", "").strip() or env.get("AZURE_CLIENT_ID", "").strip(),
            azure_openai_endpoint=env.get("AZURE_OPENAI_ENDPOINT", "").strip(),
            azure_openai_deployment=env.get("AZURE_OPENAI_DEPLOYMENT", "").strip(),
            azure_openai_api_version=env.get("AZURE_OPENAI_API_VERSION", "").strip() or cls.azure_openai_api_version,
            azure_openai_timeout_seconds=_int(env, "AZURE_OPENAI_TIMEOUT_SECONDS", 10, 1, 120),
            azure_openai_api_key=env.get("AZURE_OPENAI_API_KEY", "").strip(),
            log_level=(env.get("LOG_LEVEL", "").strip() or "INFO").upper(),
        )


def timer_schedule(setting: str) -> str:
    """A timer's schedule as its binding names it: `%SETTING%` when that app setting is set (the host
    resolves it), otherwise its default (Settings') written out, because the host refuses to index a
    function whose `%setting%` does not exist. SUMMARY_SCHEDULE, RECURRING_SCHEDULE, FX_RATES_SCHEDULE."""
    if os.environ.get(setting, "").strip():
        return f"%{setting}%"
    return getattr(Settings, setting.lower())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()


def check_settings() -> Settings:
    """Read the settings where the app starts. A bad one stops it with its one-line reason (the
    ConfigError's message), not chained to anything that happened while reading."""
    try:
        return get_settings()
    except ConfigError as exc:
        raise ConfigError(str(exc)) from None
