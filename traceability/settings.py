"""Settings, read once from the environment by the entry point.

Tests build ``Settings(...)`` directly instead of editing ``os.environ``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path


class SettingsError(ValueError):
    """A setting in the environment is missing or malformed."""


def default_data_dir() -> Path:
    # XDG-style location so the embedded database survives upgrades of the project checkout.
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hagiang-traceability"


@dataclass(frozen=True, slots=True)
class CloneRules:
    """When a stamp's scan pattern looks like a copied stamp.

    Scans count once per browser session; every rule needs ``min_networks`` distinct
    networks, so one phone, or one network minting sessions, never flips a stamp alone.
    """

    max_scans: int = 25
    """More browser sessions than this on one stamp is suspicious (a box is scanned a few times)."""
    max_places: int = 8
    """More distinct networks than this is suspicious."""
    far_km: float = 150.0
    far_hours: float = 6.0
    """Two sessions on two networks sharing locations farther apart than ``far_km`` within
    ``far_hours`` cannot be one box."""
    max_scans_after_pin: int = 10
    """A scratched PIN means the box was opened; many sessions after that look like a copy."""
    min_networks: int = 3
    """No rule fires on evidence from fewer distinct networks than this."""
    min_hours: float = 1.0
    """The crowd and spread rules need scans spread over at least this time (a burst of
    requests is one actor, not many boxes)."""
    expected_km: float = 15.0
    """A shared location this close to a store that received the stamp (a recorded delivery)
    is where the stamp is expected: scans there are no evidence of a copy. Locations are
    rounded to 0.1 degree (about 11 km)."""


DEFAULT_PUBLIC_URL = "http://localhost:8000"
"""Fine on a laptop; a stamp printed with it points at no phone's reach."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None = None
    database_replica_url: str | None = None
    """A streaming replica for reads that tolerate lag (analytics, public lists, origin pages)."""
    database_direct_url: str | None = None
    """The primary without a pooler in between, for what needs a session of its own
    (migrations under an advisory lock, LISTEN/NOTIFY); unset, ``database_url`` is used."""
    require_database_url: bool = False
    """Refuse to start an embedded database: production must never serve from one by mistake."""
    migrate_on_start: bool = True
    """Apply pending migrations when the service starts; false: only ``db apply`` migrates,
    and the service refuses to start on a schema that is not current."""
    migration_lock_timeout: float = 5.0
    """Seconds a migration waits for a table lock before it gives up and tries again later."""
    replica_max_lag_seconds: float = 30.0
    """A replica further behind than this is skipped: its reads go to the primary."""
    data_dir: Path = field(default_factory=default_data_dir)
    public_url: str = DEFAULT_PUBLIC_URL
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    key_passphrase: bytes = b""
    log_level: str = "INFO"
    log_json: bool = False
    pool_min_size: int = 2
    pool_max_size: int = 10
    stamp_unit_price_vnd: Decimal = Decimal("350")
    subsidy_share: Decimal = Decimal("0.6")
    subsidy_budget_default_vnd: Decimal | None = None
    """The yearly subsidy budget of a cooperative the authority set none for: orders past
    it wait for approval. None: no limit until a budget is set (0: every order waits)."""
    clone_rules: CloneRules = field(default_factory=CloneRules)
    pin_max_failures_per_stamp: int = 10
    pin_max_failures_per_client: int = 20
    pin_lockout_minutes: int = 60
    """Wrong PINs count within this window; after it a stamp or client may try again."""
    authority_phone: str = ""
    """The authority's hotline: every consumer page shows it, and the pages of forged,
    suspicious and revoked stamps beside what to do next (reports go to the service)."""
    reports_per_network_per_hour: int = 5
    """Reports of fakes one network (a /24 or /48) may send in an hour."""
    scan_cache_seconds: float = 2.0
    """How long a worker trusts its cached lot, activation and revocation facts for scans."""
    scan_flush_ms: float = 2.0
    """How long the scan recorder gathers scans before writing them in one transaction."""
    scan_retention_months: int = 24
    """Months of the scan log kept (whole monthly partitions are dropped); 0 keeps all.
    Per-stamp counters and the daily rollups are kept regardless."""
    session_idle_minutes: int = 120
    """A portal session unused this long is over (sign in again)."""
    session_absolute_hours: int = 12
    """No portal session lives longer than this, used or not."""
    sign_in_max_failures_per_account: int = 5
    sign_in_max_failures_per_network: int = 30
    sign_in_lockout_minutes: int = 15
    """Failed sign-ins count within this window; past the limit, sign-in waits it out."""
    map_tile_url: str = ""
    """A tile server for the dashboards' map of shared scan places, like
    ``https://tiles.example.vn/{z}/{x}/{y}.png``; unset, the places are a plain list (the
    service then loads nothing from another host)."""
    map_tile_attribution: str = ""
    """The credit the tile server asks for, shown under the map."""
    body_seconds: float = 10.0
    """How long a client may take to send a request body; slower ones get 408 and are closed."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``TRACEABILITY_*`` variables and ``DATABASE_URL``.

        Fails loudly on a malformed value rather than falling back to a default.
        """
        env = os.environ if env is None else env
        kwargs: dict[str, object] = {}
        for name in ("database_url", "database_replica_url", "database_direct_url"):
            if url := env.get(name.upper()):
                kwargs[name] = _database_url(name.upper(), url)
        if data_dir := env.get("TRACEABILITY_DATA_DIR"):
            kwargs["data_dir"] = Path(data_dir).expanduser()
        if public_url := env.get("TRACEABILITY_PUBLIC_URL"):
            kwargs["public_url"] = _public_url(public_url)
        for name, parse in (
            ("host", str),
            ("port", _port),
            ("workers", _positive_int),
            ("log_level", _log_level),
            ("log_json", _bool),
            ("pool_min_size", _positive_int),
            ("pool_max_size", _positive_int),
            ("stamp_unit_price_vnd", _decimal),
            ("subsidy_share", _share),
            ("subsidy_budget_default_vnd", _decimal),
            ("pin_max_failures_per_stamp", _positive_int),
            ("pin_max_failures_per_client", _positive_int),
            ("pin_lockout_minutes", _positive_int),
            ("authority_phone", str),
            ("reports_per_network_per_hour", _positive_int),
            ("scan_cache_seconds", _positive_float),
            ("scan_flush_ms", _positive_float),
            ("require_database_url", _bool),
            ("migrate_on_start", _bool),
            ("migration_lock_timeout", _positive_float),
            ("replica_max_lag_seconds", _positive_float),
            ("scan_retention_months", _months),
            ("session_idle_minutes", _positive_int),
            ("session_absolute_hours", _positive_int),
            ("sign_in_max_failures_per_account", _positive_int),
            ("sign_in_max_failures_per_network", _positive_int),
            ("sign_in_lockout_minutes", _positive_int),
            ("map_tile_url", _tile_url),
            ("map_tile_attribution", str),
            ("body_seconds", _positive_float),
        ):
            raw = env.get(f"TRACEABILITY_{name.upper()}")
            if raw is not None and raw != "":
                kwargs[name] = _parsed(f"TRACEABILITY_{name.upper()}", raw, parse)
        if passphrase := env.get("TRACEABILITY_KEY_PASSPHRASE"):
            kwargs["key_passphrase"] = passphrase.encode()
        rules: dict[str, object] = {}
        for f in fields(CloneRules):
            variable = f"TRACEABILITY_CLONE_{f.name.upper()}"
            if raw := env.get(variable):
                rules[f.name] = _parsed(
                    variable, raw, _positive_float if f.type == "float" else _positive_int
                )
        if rules:
            kwargs["clone_rules"] = CloneRules(**rules)  # type: ignore[arg-type]
        return cls(**kwargs)  # type: ignore[arg-type]

    @property
    def direct_database_url(self) -> str | None:
        """Where migrations and LISTEN go: past any pooler, straight to the primary."""
        return self.database_direct_url or self.database_url

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def pgdata_dir(self) -> Path:
        return self.data_dir / "pgdata"

    @property
    def secure_cookies(self) -> bool:
        """Cookies marked Secure when the service is reached over https."""
        return self.public_url.startswith("https://")


def _parsed(variable: str, raw: str, parse: object) -> object:
    try:
        return parse(raw)  # type: ignore[operator]
    except (ValueError, InvalidOperation) as exc:
        raise SettingsError(f"{variable}={raw!r}: {exc}") from exc


def _port(raw: str) -> int:
    value = int(raw)
    if not 0 < value < 65536:
        raise ValueError("must be a TCP port, 1–65535")
    return value


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError("must be a positive whole number")
    return value


def _positive_float(raw: str) -> float:
    value = float(raw)
    if not value > 0 or value == float("inf"):
        raise ValueError("must be a positive number")
    return value


def _months(raw: str) -> int:
    value = int(raw)
    if not 0 <= value <= 1200:
        raise ValueError("must be a whole number of months, 0 (keep all) to 1200")
    return value


def _decimal(raw: str) -> Decimal:
    value = Decimal(raw)
    if not value.is_finite() or value < 0:
        raise ValueError("must be a non-negative number")
    return value


def _share(raw: str) -> Decimal:
    value = _decimal(raw)
    if value > 1:
        raise ValueError("must be between 0 and 1")
    return value


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


def _log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
    return level


def _database_url(variable: str, raw: str) -> str:
    url = raw.strip()
    if not url.startswith(("postgresql://", "postgres://")):
        raise SettingsError(f"{variable}: must be a postgresql:// URL")
    return url


def _public_url(raw: str) -> str:
    url = raw.strip().rstrip("/")
    if not url.startswith(("https://", "http://")) or "/" in url.split("://", 1)[1]:
        raise SettingsError(
            f"TRACEABILITY_PUBLIC_URL={raw!r}: must be a scheme and host, e.g. https://tem.hagiang.vn"
        )
    return url


def _tile_url(raw: str) -> str:
    """An https tile URL template with its {z}, {x} and {y} (pages allow https images only)."""
    if not raw.startswith("https://") or not all(p in raw for p in ("{z}", "{x}", "{y}")):
        raise ValueError(
            "an https URL with {z}, {x} and {y}, like https://tiles.example/{z}/{x}/{y}.png"
        )
    return raw
