"""Clone detection: when a stamp's scans look like copies of one label on many boxes.

A stamp is judged on *independent* evidence only: distinct browser sessions (a first-party
cookie), distinct networks (a keyed hash of the address prefix) and time. One phone
reloading, one network minting a new session per request, or locations typed into the URL
cannot, alone, make a genuine stamp suspicious: every rule needs several networks, and a
shared location only corroborates what the networks already say.

What a rule needs is kept per stamp, bounded (:class:`Evidence`): counters, the distinct
networks, and a short list of witnesses (one per session, a few per network). A stamp
scanned 50,000 times is judged from the same few kilobytes as one scanned twice, and once
it is suspicious it is not judged again until the authority clears it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

from traceability.settings import CloneRules

_EARTH_KM = 6371.0088

MAX_WITNESSES = 32
"""Sessions remembered per stamp (for reload detection and the rules)."""
MAX_WITNESSES_PER_NETWORK = 3
"""So that one network flooding new sessions cannot crowd out everybody else's."""
MAX_NETWORKS = 64
"""Distinct networks remembered per stamp: more than any rule's threshold."""


class Witness(msgspec.Struct, omit_defaults=True):
    """One browser session's scan of a stamp: when, from which network and country, where."""

    s: int
    """The session (keyed hash of the scan cookie)."""
    t: int
    """When the session first scanned the stamp (Unix seconds)."""
    n: int | None = None
    """The network (keyed hash of its prefix), if known."""
    c: str | None = None
    """The network's country (ISO 3166-1 alpha-2), if known."""
    la: float | None = None
    lo: float | None = None
    """A location the consumer shared (rounded), and when (``lt``)."""
    lt: int | None = None


class Evidence(msgspec.Struct, omit_defaults=True):
    """What the clone rules know about a stamp since it was last cleared."""

    sessions: int = 0
    """Distinct browser sessions that scanned it (each counted scan is one)."""
    after_pin: int = 0
    """Of those, sessions that came after its scratch PIN was used."""
    networks: list[int] = msgspec.field(default_factory=list)
    witnesses: list[Witness] = msgspec.field(default_factory=list)

    def witness(self, session: int) -> Witness | None:
        for w in self.witnesses:
            if w.s == session:
                return w
        return None

    def add(self, w: Witness | None, *, after_pin: bool) -> None:
        """A new session scanned the stamp: count it, remember it while there is room."""
        self.sessions += 1
        self.after_pin += after_pin
        if w is None:
            return
        networks, witnesses = self.networks, self.witnesses
        if w.n is not None and w.n not in networks and len(networks) < MAX_NETWORKS:
            networks.append(w.n)
        if len(witnesses) < MAX_WITNESSES:
            same_network = 0
            for x in witnesses:
                same_network += x.n == w.n
            if same_network < MAX_WITNESSES_PER_NETWORK:
                witnesses.append(w)


@dataclass(frozen=True, slots=True)
class Suspicion:
    rule: str
    """crowd, spread, far_apart or after_pin."""
    reason: str


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


Place = tuple[float, float]
"""Latitude and longitude, in degrees."""


def without_expected(evidence: Evidence, expected: Sequence[Place], km: float) -> Evidence:
    """The evidence less the scans made where the stamp is expected (near a store that
    received it): shoppers there, on their many networks, are no sign of a copy. Only
    scans with a shared location can be placed; a network seen only there is left out too."""
    if not expected:
        return evidence

    def there(w: Witness) -> bool:
        return (
            w.la is not None
            and w.lo is not None
            and any(haversine_km(w.la, w.lo, la, lo) <= km for la, lo in expected)
        )

    at_store = [w for w in evidence.witnesses if there(w)]
    if not at_store:
        return evidence
    kept = [w for w in evidence.witnesses if not there(w)]
    only_there = {w.n for w in at_store} - {w.n for w in kept}
    return Evidence(
        sessions=max(0, evidence.sessions - len(at_store)),
        after_pin=evidence.after_pin,
        networks=[n for n in evidence.networks if n not in only_there],
        witnesses=kept,
    )


def judge(
    rules: CloneRules, evidence: Evidence, expected: Sequence[Place] = ()
) -> Suspicion | None:
    """Why the stamp looks cloned, or None. The first rule that fires is the reason.
    ``expected``: where the stamp is expected to be scanned (the stores that received it)."""
    evidence = without_expected(evidence, expected, rules.expected_km)
    networks = len(evidence.networks)
    if networks < rules.min_networks:
        return None  # one source, however many sessions or places it claims
    times = [w.t for w in evidence.witnesses]
    span_hours = (max(times) - min(times)) / 3600 if times else 0.0
    if evidence.sessions > rules.max_scans and span_hours >= rules.min_hours:
        return Suspicion(
            "crowd",
            f"scanned in {evidence.sessions} browser sessions from {networks} networks"
            f" (more than {rules.max_scans})",
        )
    if networks > rules.max_places and span_hours >= rules.min_hours:
        return Suspicion("spread", f"seen on {networks} networks (more than {rules.max_places})")
    if evidence.after_pin > rules.max_scans_after_pin:
        return Suspicion(
            "after_pin", f"scanned in {evidence.after_pin} sessions after its PIN was used"
        )
    return _far_apart(rules, evidence.witnesses)


def _far_apart(rules: CloneRules, witnesses: list[Witness]) -> Suspicion | None:
    # Two sessions on two networks, far apart within hours: a location alone proves nothing
    # (it is typed into the URL), but it corroborates what several networks say.
    located = [w for w in witnesses if w.la is not None and w.lo is not None and w.n is not None]
    for i, a in enumerate(located):
        for b in located[i + 1 :]:
            if a.s == b.s or a.n == b.n:
                continue
            hours = abs((a.lt or a.t) - (b.lt or b.t)) / 3600
            if hours > rules.far_hours:
                continue
            km = haversine_km(a.la, a.lo, b.la, b.lo)  # type: ignore[arg-type]
            if km > rules.far_km:
                return Suspicion(
                    "far_apart", f"seen {km:.0f} km apart within {max(hours, 0.1):.1f} h"
                )
    return None


def unix(at: datetime) -> int:
    return int(at.timestamp())


def from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
