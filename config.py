"""Settings read from the environment, so the same code runs in demo, test and production."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent / "instance"
DEFAULT_SUBMISSION_MAX_MB = 64  # a partner return is kilobytes; this leaves room for years of rows

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


def _env_number(name: str, default, kind=float):
    """A numeric setting; a value that is not a number is refused with the variable's name."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return kind(value)
    except ValueError:
        wanted = "a whole number" if kind is int else "a number"
        raise ConfigurationError(f"{name}={value!r} is not {wanted}") from None


# Variables that share a prefix with ours but belong to other tools.
_FOREIGN_VARIABLES = {"SOURCE_DATE_EPOCH"}


def _env_per_dataset(prefix: str) -> dict[str, str]:
    """`SOURCE_MOJ_CCSQ_CROWN=https://…` → {"moj_ccsq_crown": "https://…"} (ids are lower case)."""
    return {
        name.removeprefix(prefix).lower(): value.strip()
        for name, value in os.environ.items()
        if name.startswith(prefix) and name not in _FOREIGN_VARIABLES and value.strip()
    }


def _numbers_per_dataset(prefix: str, kind) -> dict:
    """`RELEASE_MAX_DROP_POLICE_UK_STREET=30` → {"police_uk_street": 30.0}; a bad number stops."""
    values = {}
    for dataset_id, text in _env_per_dataset(prefix).items():
        try:
            values[dataset_id] = kind(text)
        except ValueError:
            raise ConfigurationError(
                f"{prefix}{dataset_id.upper()}={text!r} is not a number"
            ) from None
    return values


def release_check_for(spec, settings):
    """A dataset's release check with any RELEASE_MAX_DROP_<ID> / REVISION_WINDOW_DAYS_<ID>."""
    return spec.release_check.with_settings(
        settings.release_max_drop.get(spec.id), settings.revision_window_days.get(spec.id)
    )


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
    # Partner submissions: each dataset's drop folder is submissions_dir/<dataset_id>/.
    submissions_dir: Path | None = None
    submission_max_bytes: int = DEFAULT_SUBMISSION_MAX_MB * 1024 * 1024
    # Scheduled refresh (issue 4). Per-dataset overrides come from SOURCE_<ID> / SCHEDULE_<ID>.
    sources: dict = field(default_factory=dict)  # dataset id -> folder path or http(s) URL
    schedules: dict = field(default_factory=dict)  # dataset id -> cron expression
    http_timeout: float = 30.0  # seconds to connect and between bytes
    http_retries: int = 3  # extra attempts after a time-out, dropped connection or HTTP 5xx
    http_backoff: float = 2.0  # first wait between attempts, doubled each time (seconds)
    source_max_bytes: int = 1_073_741_824  # refuse a single downloaded file larger than this
    http_deadline: float = 300.0  # seconds one file's download may take in all, retries included
    # Release-over-release checks (loaders/release_checks.py), per dataset id:
    # RELEASE_MAX_DROP_<ID> (percent a settled period may fall) and REVISION_WINDOW_DAYS_<ID>.
    release_max_drop: dict = field(default_factory=dict)
    revision_window_days: dict = field(default_factory=dict)
    # Largest unpacked size of an uploaded .xlsx (its XML), and the most it may be compressed.
    submission_max_unpacked_bytes: int = 100 * 1024 * 1024
    # Opt in to reading each public dataset from its publisher (DatasetSpec.default_source) when
    # no SOURCE_<ID> or PUBLIC_DATA_DIR applies; never in demo mode or tests.
    fetch_from_publishers: bool = False
    misfire_grace_seconds: int = 3600  # a job that missed its time by less than this still runs
    stale_grace_days: int | None = None  # days past a dataset's cadence before it shows Stale
    scheduler_in_app: bool = False  # local development only: run the scheduler inside the app
    # Sessions and sign-in (callbacks/auth.py, callbacks/security.py).
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    secure_cookies: bool = False  # always Secure; otherwise Secure whenever the request is HTTPS
    trusted_proxy_hops: int = 0  # >0 behind a reverse proxy: trust its X-Forwarded-* headers
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_throttle_minutes: int = 15
    login_account_backoff_after: int = 10  # failures to an account from anywhere before back-off
    login_backoff_max_seconds: int = 60  # the longest an account's back-off makes anyone wait
    suppression_threshold: int = 10
    plan_file: Path | None = None  # JSON Police and Crime Plan; None uses loaders.plan.DEFAULT_PLAN
    # Alerts and scheduled reports (issue 17; callbacks/alerts.py, loaders/notifications.py).
    smtp_url: str = ""  # smtp://user:pass@host:587 (STARTTLS), smtps://… (TLS); '' = in-app only
    smtp_from: str = "lcjp-board@localhost"
    public_url: str = "http://127.0.0.1:8050"  # where links in emails point
    report_schedules: dict = field(default_factory=dict)  # report id -> cron expression
    preread_days: int = 5  # a meeting's pre-read goes this many days before it
    smtp_retries: int = 5  # attempts before a delivery is recorded as failed
    smtp_backoff: float = 60.0  # seconds before the second attempt, doubled for each further one
    alerts_interval_minutes: int = 15  # how often the scheduler looks for events and sends
    return_escalate_days: int = 7  # an overdue partner return goes to the chair after this
    # Figures worked out once and shared by every worker and host (loaders/figure_store.py):
    # in Redis when set (redis://host:6379/0), otherwise in the database.
    redis_url: str = ""
    redis_prefix: str = ""  # '' = lcjp:<hash of the database URL>:, one install per database
    figure_cache_entries: int = 48  # figures each worker keeps in memory between requests

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        """Build settings from environment variables; keyword overrides win (used by tests)."""
        public_dir = os.environ.get("PUBLIC_DATA_DIR")
        submissions = os.environ.get("SUBMISSIONS_DIR")
        settings = cls(
            database_url=os.environ.get("DATABASE_URL", ""),
            secret_key=os.environ.get("SECRET_KEY", ""),
            public_data_dir=Path(public_dir).resolve() if public_dir else None,
            timezone=os.environ.get("TZ_NAME", "Europe/London"),
            demo_mode=_env_bool("DEMO_MODE"),
            refresh_on_start=_env_bool("REFRESH_ON_START", True),
            instance_dir=Path(os.environ.get("INSTANCE_DIR", INSTANCE_DIR)),
            submissions_dir=Path(submissions).resolve() if submissions else None,
            submission_max_bytes=int(
                float(os.environ.get("SUBMISSION_MAX_MB", DEFAULT_SUBMISSION_MAX_MB)) * 1024 * 1024
            ),
            sources=_env_per_dataset("SOURCE_"),
            schedules=_env_per_dataset("SCHEDULE_"),
            http_timeout=_env_number("HTTP_TIMEOUT", 30.0),
            http_retries=_env_number("HTTP_RETRIES", 3, int),
            http_backoff=_env_number("HTTP_BACKOFF", 2.0),
            http_deadline=_env_number("HTTP_DEADLINE", 300.0),
            release_max_drop=_numbers_per_dataset("RELEASE_MAX_DROP_", float),
            revision_window_days=_numbers_per_dataset("REVISION_WINDOW_DAYS_", int),
            submission_max_unpacked_bytes=int(
                _env_number("SUBMISSION_MAX_UNPACKED_MB", 100.0) * 1024 * 1024
            ),
            # A police.uk national archive is over a gigabyte: publishers' files get room for it.
            source_max_bytes=_env_number(
                "SOURCE_MAX_BYTES",
                4 * 1_073_741_824 if _env_bool("FETCH_FROM_PUBLISHERS") else 1_073_741_824,
                int,
            ),
            fetch_from_publishers=_env_bool("FETCH_FROM_PUBLISHERS"),
            misfire_grace_seconds=_env_number("SCHEDULER_MISFIRE_GRACE", 3600, int),
            stale_grace_days=_env_number("STALE_GRACE_DAYS", None, int),
            scheduler_in_app=_env_bool("SCHEDULER_IN_APP"),
            session_idle_minutes=_env_number("SESSION_IDLE_MINUTES", 30, int),
            session_max_hours=_env_number("SESSION_MAX_HOURS", 12, int),
            secure_cookies=_env_bool("SESSION_COOKIE_SECURE"),
            trusted_proxy_hops=_env_number("TRUSTED_PROXY_HOPS", 0, int),
            login_max_failures_per_account=_env_number("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5, int),
            login_max_failures_per_address=_env_number("LOGIN_MAX_FAILURES_PER_ADDRESS", 20, int),
            login_throttle_minutes=_env_number("LOGIN_THROTTLE_MINUTES", 15, int),
            login_account_backoff_after=_env_number("LOGIN_ACCOUNT_BACKOFF_AFTER", 10, int),
            login_backoff_max_seconds=_env_number("LOGIN_BACKOFF_MAX_SECONDS", 60, int),
            suppression_threshold=_env_number("SUPPRESSION_THRESHOLD", 10, int),
            plan_file=Path(os.environ["PLAN_FILE"]) if os.environ.get("PLAN_FILE") else None,
            smtp_url=os.environ.get("SMTP_URL", "").strip(),
            smtp_from=os.environ.get("SMTP_FROM", "").strip() or "lcjp-board@localhost",
            public_url=os.environ.get("PUBLIC_URL", "").strip() or "http://127.0.0.1:8050",
            report_schedules={
                key.replace("_", "-"): value
                for key, value in _env_per_dataset("REPORT_SCHEDULE_").items()
            },
            preread_days=_env_number("PREREAD_DAYS", 5, int),
            smtp_retries=_env_number("SMTP_RETRIES", 5, int),
            smtp_backoff=_env_number("SMTP_BACKOFF", 60.0),
            alerts_interval_minutes=_env_number("ALERTS_INTERVAL_MINUTES", 15, int),
            return_escalate_days=_env_number("RETURN_ESCALATE_DAYS", 7, int),
            redis_url=os.environ.get("REDIS_URL", "").strip(),
            redis_prefix=os.environ.get("REDIS_PREFIX", "").strip(),
            figure_cache_entries=_env_number("FIGURE_CACHE_ENTRIES", 48, int),
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
        if self.session_idle_minutes < 1 or self.session_max_hours < 1:
            raise ConfigurationError(
                "SESSION_IDLE_MINUTES and SESSION_MAX_HOURS must be at least 1"
            )
        submissions_dir = self.submissions_dir or self.instance_dir / "submissions"
        return replace(
            self,
            database_url=database_url,
            secret_key=secret_key,
            submissions_dir=submissions_dir,
        )

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
