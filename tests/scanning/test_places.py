from __future__ import annotations

from datetime import UTC, datetime

import pytest

from traceability.scanning.clone import (
    MAX_NETWORKS,
    MAX_WITNESSES,
    Evidence,
    Witness,
    haversine_km,
    judge,
    unix,
)
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


def _witnesses(*rows: tuple[int, int | None, float, float | None, float | None]) -> Evidence:
    """Evidence from (session, network, hours after start, latitude, longitude) rows."""
    start = unix(datetime.now(UTC))
    evidence = Evidence()
    for session, network, hours, lat, lon in rows:
        t = start + int(hours * 3600)
        evidence.add(
            Witness(s=session, t=t, n=network, la=lat, lo=lon, lt=t if lat else None),
            after_pin=False,
        )
    return evidence


def test_clone_rules_need_several_networks() -> None:
    rules = CloneRules(max_scans=5, max_places=3, far_km=150, far_hours=6, min_networks=3)
    # Two sessions far apart: a location alone, from one or two networks, proves nothing.
    assert judge(rules, _witnesses((1, 7, 0, 22.8, 105.0), (2, 7, 1, 10.8, 106.7))) is None
    assert judge(rules, _witnesses((1, 7, 0, 22.8, 105.0), (2, 8, 1, 10.8, 106.7))) is None
    # With a third network, far-apart locations within hours corroborate it.
    far = judge(
        rules,
        _witnesses((1, 7, 0, 22.8, 105.0), (2, 8, 1, 10.8, 106.7), (3, 9, 1.5, None, None)),
    )
    assert far is not None
    assert far.rule == "far_apart"
    assert "km apart within" in far.reason
    # Far apart but a day later: one box can travel.
    assert (
        judge(
            rules,
            _witnesses((1, 7, 0, 22.8, 105.0), (2, 8, 30, 10.8, 106.7), (3, 9, 31, None, None)),
        )
        is None
    )
    assert 200 < haversine_km(22.8, 105.0, 21.0, 105.8) < 230


def test_clone_rules_crowd_and_spread_need_time() -> None:
    rules = CloneRules(max_scans=5, max_places=3, min_networks=3, min_hours=1)
    # Many sessions from one network: one source.
    one_network = _witnesses(*((s, 7, s / 10, None, None) for s in range(40)))
    assert one_network.sessions == 40
    assert len(one_network.witnesses) == 3
    assert judge(rules, one_network) is None
    # Many sessions on three networks, over hours: a crowd.
    crowd = judge(rules, _witnesses(*((s, 7 + s % 3, s / 2, None, None) for s in range(6))))
    assert crowd is not None
    assert crowd.rule == "crowd"
    assert crowd.reason == "scanned in 6 browser sessions from 3 networks (more than 5)"
    # Four networks in a burst of seconds: one actor rotating addresses, not four boxes.
    burst = _witnesses(*((s, 100 + s, s / 3600, None, None) for s in range(4)))
    assert judge(rules, burst) is None
    spread = judge(rules, _witnesses(*((s, 100 + s, s, None, None) for s in range(4))))
    assert spread is not None
    assert spread.rule == "spread"
    assert spread.reason == "seen on 4 networks (more than 3)"


def test_evidence_is_bounded() -> None:
    evidence = _witnesses(*((s, s, 0, None, None) for s in range(10_000)))
    assert evidence.sessions == 10_000
    assert len(evidence.witnesses) == MAX_WITNESSES
    assert len(evidence.networks) == MAX_NETWORKS


def test_scans_after_pin() -> None:
    rules = CloneRules(max_scans_after_pin=2, min_networks=2)
    evidence = Evidence()
    for s in range(3):
        evidence.add(Witness(s=s, t=0, n=s % 2), after_pin=True)
    found = judge(rules, evidence)
    assert found is not None
    assert found.rule == "after_pin"


def test_scans_at_a_store_that_received_the_stamp_are_no_evidence() -> None:
    rules = CloneRules(max_scans=5, max_places=3, far_km=150, far_hours=6, min_networks=3)
    store = (21.0, 105.8)  # Hà Nội: a delivery there was recorded
    # The farm in Hà Giang, then shoppers at the store within hours, on their own networks.
    seen = _witnesses((1, 7, 0, 22.8, 105.0), (2, 8, 3, 21.0, 105.8), (3, 9, 4, 21.03, 105.85))
    assert judge(rules, seen) is not None  # without the delivery: far apart
    assert judge(rules, seen, [store]) is None
    # Many shoppers on many networks at the store: the shelf, not copies.
    shelf = _witnesses(*((s, 100 + s, s, 21.0, 105.8) for s in range(8)))
    assert judge(rules, shelf) is not None
    assert judge(rules, shelf, [store]) is None
    # A store elsewhere changes nothing: Sài Gòn and Hà Giang within hours stay far apart.
    copied = _witnesses((1, 7, 0, 22.8, 105.0), (2, 8, 1, 10.8, 106.7), (3, 9, 1.5, None, None))
    found = judge(rules, copied, [store])
    assert found is not None
    assert found.rule == "far_apart"
    # Scans near the store do not hide the others: the far ones still count.
    mixed = _witnesses(
        (1, 7, 0, 22.8, 105.0),
        (2, 8, 1, 10.8, 106.7),
        (3, 9, 1, 21.0, 105.8),
        (4, 10, 2, None, None),
    )
    assert judge(rules, mixed, [store]) is not None
