from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from traceability.scanning.clone import Place, haversine_km, suspicion
from traceability.scanning.service import network_hash, shared_location, ua_family
from traceability.scanning.text import language
from traceability.settings import CloneRules

SECRET = b"k" * 32


def test_network_hash_is_per_prefix_and_keyed() -> None:
    a = network_hash(SECRET, "203.113.131.7")
    assert a == network_hash(SECRET, "203.113.131.200")  # same /24
    assert a != network_hash(SECRET, "203.113.132.7")
    assert a != network_hash(b"x" * 32, "203.113.131.7")
    assert a is not None
    assert "203" not in a
    v6 = network_hash(SECRET, "2001:ee0:4f01:1::5")
    assert v6 == network_hash(SECRET, "2001:ee0:4f01:ffff::1")  # same /48
    assert v6 != network_hash(SECRET, "2001:ee0:4f02::1")
    assert network_hash(SECRET, "::ffff:203.113.131.9") == a
    assert network_hash(SECRET, "testclient") is None
    assert network_hash(SECRET, None) is None


@pytest.mark.parametrize(
    ("agent", "family"),
    [
        ("Mozilla/5.0 (Linux; Android 11) AppleWebKit/537.36 Chrome/96 Zalo android/12", "zalo"),
        ("Mozilla/5.0 (iPhone) AppleWebKit/605 [FBAN/FBIOS;FBAV/400.0]", "facebook"),
        ("Mozilla/5.0 (Linux; Android 12) SamsungBrowser/20.0 Chrome/106 Mobile Safari", "samsung"),
        ("Mozilla/5.0 (Android 13; Mobile; rv:120.0) Gecko/120.0 Firefox/120.0", "firefox"),
        (
            "Mozilla/5.0 (Linux; Android 10) AppleWebKit/537.36 Chrome/120 Mobile Safari/537",
            "chrome",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1) AppleWebKit/605.1.15 Version/17 Safari/604",
            "safari",
        ),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "preview"),
        ("WhatsApp/2.23.20.0 A", "preview"),
        ("TelegramBot (like TwitterBot)", "preview"),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "preview"),
        ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "preview"),
        # A phone brand is not a bot.
        ("Mozilla/5.0 (Linux; Android 9; CUBOT_P30) AppleWebKit/537.36 Chrome/96", "chrome"),
        ("curl/8.0", "other"),
        (None, "other"),
    ],
)
def test_user_agent_families(agent: str | None, family: str) -> None:
    assert ua_family(agent) == family


def test_shared_location_is_rounded_and_checked() -> None:
    assert shared_location("22.8234", "104.9876") == (22.8, 105.0)
    assert shared_location("91", "0") == (None, None)
    assert shared_location("nan", "1") == (None, None)
    assert shared_location("x", "1") == (None, None)
    assert shared_location("1", None) == (None, None)


def test_language_choice() -> None:
    assert language(None, None) == "vi"
    assert language(None, "en-GB,en;q=0.9") == "en"
    assert language(None, "fr-FR,vi;q=0.8,en;q=0.5") == "vi"
    assert language("en", "vi") == "en"
    assert language("de", "en") == "en"


def test_clone_rules() -> None:
    rules = CloneRules(max_scans=5, max_places=2, far_km=150, far_hours=6)
    now = datetime.now(UTC)
    ha_giang = Place("22.8,105.0", 22.8, 105.0, now)
    ha_noi = Place("21.0,105.8", 21.0, 105.8, now + timedelta(hours=2))
    ho_chi_minh_later = Place("10.8,106.7", 10.8, 106.7, now + timedelta(hours=30))
    assert 200 < haversine_km(22.8, 105.0, 21.0, 105.8) < 230
    assert suspicion(rules, 2, 0, [ha_giang]) is None
    assert suspicion(rules, 6, 0, [ha_giang]) == "scanned 6 times (more than 5)"
    assert suspicion(rules, 3, 0, [ha_giang, ha_noi]).startswith("seen 2")  # type: ignore[union-attr]
    assert suspicion(rules, 3, 0, [ha_giang, ho_chi_minh_later]) is None
    hashes = [Place(str(i), None, None, now) for i in range(3)]
    assert suspicion(rules, 3, 0, hashes) == "seen in 3 places (more than 2)"
    assert suspicion(rules, 3, 11, [ha_giang]) == "scanned 11 times after its PIN was used"
