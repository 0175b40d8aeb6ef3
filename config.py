"""Settings read from the environment, so the same code runs in demo, test and production."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent / "instance"

# Which forces form the partnership is configuration, so another LCJP can run the product.
DEFAULT_LCJP = {
    "code": "LCJP-DURHAM-CLEVELAND",
    "name": "Durham & Cleveland LCJP",
    "forces": ["E23000008", "E23000013"],
    "crown_courts": ["Durham", "Teesside"],
    "hmcts_regions": ["North East"],
    # A most-similar group of forces to compare with (configurable per partnership).
    "comparators": ["E23000007", "E23000012", "E23000011", "E23000003", "E23000004", "E23000002"],
}


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class ConfigurationError(RuntimeError):
    """A setting is missing or unsafe; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    """Everything the app, the refresh job and the tests may vary."""

    database_url: str = ""
    secret_key: str = ""
    public_data_dir: Path | None = None
    timezone: str = "Europe/London"
    demo_mode: bool = False
    refresh_on_start: bool = True
    instance_dir: Path = INSTANCE_DIR
    lcjp: dict = field(default_factory=lambda: dict(DEFAULT_LCJP))
    testing: bool = False
    suppression_threshold: int = 10

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        """Build settings from environment variables; keyword overrides win (used by tests)."""
        public_dir = os.environ.get("PUBLIC_DATA_DIR")
        settings = cls(
            database_url=os.environ.get("DATABASE_URL", ""),
            secret_key=os.environ.get("SECRET_KEY", ""),
            public_data_dir=Path(public_dir).resolve() if public_dir else None,
            timezone=os.environ.get("TZ_NAME", "Europe/London"),
            demo_mode=_env_bool("DEMO_MODE"),
            refresh_on_start=_env_bool("REFRESH_ON_START", True),
            instance_dir=Path(os.environ.get("INSTANCE_DIR", INSTANCE_DIR)),
            suppression_threshold=int(os.environ.get("SUPPRESSION_THRESHOLD", "10")),
        )
        return replace(settings, **overrides).resolved()

    def resolved(self) -> Settings:
        """Fill derived defaults and refuse unsafe combinations."""
        database_url = self.database_url or f"sqlite:///{self.instance_dir / 'lcjp.sqlite'}"
        if database_url.startswith("postgresql://"):
            # psycopg 3 is the driver we install and test with.
            database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
        secret_key = self.secret_key
        if not secret_key:
            if not (self.demo_mode or self.testing):
                raise ConfigurationError(
                    "SECRET_KEY is not set. Set it to a long random value "
                    "(python -c 'import secrets; print(secrets.token_hex(32))'), "
                    "or set DEMO_MODE=1 for a demonstration instance."
                )
            secret_key = _instance_secret(self.instance_dir)
        return replace(self, database_url=database_url, secret_key=secret_key)

    @property
    def uses_demo_data(self) -> bool:
        """Without a folder of published files the app runs on generated demo data."""
        return self.public_data_dir is None


def _instance_secret(instance_dir: Path) -> str:
    """A per-instance secret for demo mode, kept so sessions survive a restart."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    path = instance_dir / "demo_secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()
