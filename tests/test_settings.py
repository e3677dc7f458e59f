from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from traceability.settings import Settings, SettingsError


def test_defaults_use_embedded_database() -> None:
    settings = Settings.from_env({})
    assert settings.database_url is None
    assert settings.public_url.startswith("http")
    assert settings.subsidy_share == Decimal("0.6")


def test_environment_is_read() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://db.example/trace",
            "TRACEABILITY_DATA_DIR": "/srv/trace",
            "TRACEABILITY_PUBLIC_URL": "https://tem.hagiang.gov.vn/",
            "TRACEABILITY_PORT": "9000",
            "TRACEABILITY_WORKERS": "4",
            "TRACEABILITY_SUBSIDY_SHARE": "0.5",
            "TRACEABILITY_CLONE_MAX_SCANS": "40",
            "TRACEABILITY_CLONE_FAR_KM": "80.5",
        }
    )
    assert settings.database_url == "postgresql://db.example/trace"
    assert settings.data_dir == Path("/srv/trace")
    assert settings.public_url == "https://tem.hagiang.gov.vn"
    assert (settings.port, settings.workers) == (9000, 4)
    assert settings.subsidy_share == Decimal("0.5")
    assert settings.clone_rules.max_scans == 40
    assert settings.clone_rules.far_km == 80.5


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRACEABILITY_PORT", "eighty"),
        ("TRACEABILITY_PORT", "70000"),
        ("TRACEABILITY_WORKERS", "0"),
        ("TRACEABILITY_SUBSIDY_SHARE", "1.5"),
        ("TRACEABILITY_PUBLIC_URL", "tem.hagiang.gov.vn"),
        ("TRACEABILITY_PUBLIC_URL", "https://tem.hagiang.gov.vn/path"),
        ("TRACEABILITY_LOG_JSON", "maybe"),
        ("TRACEABILITY_CLONE_MAX_SCANS", "-3"),
        ("TRACEABILITY_MAP_TILE_URL", "http://tiles.example.vn/{z}/{x}/{y}.png"),
        ("TRACEABILITY_MAP_TILE_URL", "https://tiles.example.vn/tiles.png"),
    ],
)
def test_malformed_values_fail_loudly(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_a_map_tile_server_is_a_setting_and_off_by_default() -> None:
    assert Settings.from_env({}).map_tile_url == ""  # offline by default: a plain list
    url = "https://tiles.example.vn/{z}/{x}/{y}.png"
    settings = Settings.from_env(
        {"TRACEABILITY_MAP_TILE_URL": url, "TRACEABILITY_MAP_TILE_ATTRIBUTION": "© OSM"}
    )
    assert (settings.map_tile_url, settings.map_tile_attribution) == (url, "© OSM")
