"""What one flush of the scan recorder writes, decided without touching the database.

Given the scans gathered for a flush and the locked rows of the stamps they scanned, this
decides for each scan whether it counts (a new browser session) or updates its session's
scan (a reload, a language switch, a shared location), applies the clone rules to the
stamps' bounded evidence, and lists the rows to write: stamps, the scan log and the
rollups (per day, product and country; their coarser forms per day and per month; shared
places per day and per month). Pure: the rules are tested without a database.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import msgspec

from traceability import clock
from traceability.scanning.clone import Evidence, Place, Witness, judge, unix
from traceability.scanning.service import PREVIEW
from traceability.settings import CloneRules

UNKNOWN_COUNTRY = "ZZ"
"""ISO 3166's user-assigned code, used for "country not known" in the rollups."""


@dataclass(slots=True)
class ScanEvent:
    """One scan as it will be stored. Never an IP address: hashes and a country at most."""

    serial: int | None
    batch_id: int | None
    at: datetime
    verdict: str
    """What the stamp's ranges say: genuine, not_activated, revoked or not_genuine."""
    ua_family: str
    session: int | None = None
    """Keyed hash of the browser's scan cookie."""
    network: int | None = None
    """Keyed hash of the client's network prefix."""
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    cooperative_id: int | None = None
    product_id: int | None = None


@dataclass(frozen=True, slots=True)
class StampState:
    """A stamp's own state right after a scan was recorded."""

    first_scan_at: datetime | None
    scan_count: int
    pin_verified_at: datetime | None
    scans_after_pin: int
    suspicious_at: datetime | None
    suspicious_reason: str | None
    places: int = 0
    """Distinct networks it was scanned from (since last cleared)."""


@dataclass(frozen=True, slots=True)
class Recorded:
    verdict: str
    """The final verdict: genuine may become genuine_first or suspicious."""
    state: StampState | None


@functools.lru_cache(maxsize=64)
def _day_of_hour(hour: int) -> date:
    return clock.today(datetime.fromtimestamp(hour * 3600, UTC))


def _day(at: datetime) -> date:
    # Việt Nam's days begin on a whole UTC hour: one zone conversion per hour, not per scan.
    return _day_of_hour(int(at.timestamp()) // 3600)


@dataclass(slots=True)
class _Stamp:
    """A stamp's row as this flush changes it."""

    serial: int
    batch_id: int
    is_new: bool
    first_scan_at: datetime | None = None
    last_scan_at: datetime | None = None
    scan_count: int = 0
    views: int = 0
    pin_verified_at: datetime | None = None
    scans_after_pin: int = 0
    suspicious_at: datetime | None = None
    suspicious_rule: str | None = None
    suspicious_reason: str | None = None
    suspicious_evidence: str | None = None
    evidence: Evidence = field(default_factory=Evidence)
    evidence_changed: bool = False

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> _Stamp:
        return cls(
            serial=row["serial"],
            batch_id=row["batch_id"],
            is_new=False,
            first_scan_at=row["first_scan_at"],
            last_scan_at=row["last_scan_at"],
            scan_count=row["scan_count"],
            views=row["views"],
            pin_verified_at=row["pin_verified_at"],
            scans_after_pin=row["scans_after_pin"],
            suspicious_at=row["suspicious_at"],
            suspicious_rule=row["suspicious_rule"],
            suspicious_reason=row["suspicious_reason"],
            evidence=msgspec.convert(row["evidence"] or {}, Evidence),
        )

    def scan(self, event: ScanEvent) -> tuple[bool, bool]:
        """Take one page view; whether it counts as a scan, and whether it adds a place."""
        self.views += 1
        if self.last_scan_at is None or event.at > self.last_scan_at:
            self.last_scan_at = event.at
        frozen = self.suspicious_at is not None  # judged already: evidence kept as it was
        known = self.evidence.witness(event.session) if event.session is not None else None
        if known is not None:
            # The same browser session again: its scan is updated, nothing is added.
            if event.latitude is None or event.longitude is None:
                return False, False
            if (known.la, known.lo) == (event.latitude, event.longitude):
                return False, False
            if not frozen:
                known.la, known.lo, known.lt = event.latitude, event.longitude, unix(event.at)
                self.evidence_changed = True
            return False, True
        self.scan_count += 1
        if self.first_scan_at is None:
            self.first_scan_at = event.at
        after_pin = self.pin_verified_at is not None and self.pin_verified_at <= event.at
        self.scans_after_pin += after_pin
        if not frozen:
            at = int(event.at.timestamp())
            located = event.latitude is not None and event.longitude is not None
            witness = (
                Witness(
                    s=event.session,
                    t=at,
                    n=event.network,
                    c=event.country,
                    la=event.latitude,
                    lo=event.longitude,
                    lt=at if located else None,
                )
                if event.session is not None
                else None
            )
            self.evidence.add(witness, after_pin=after_pin)
            self.evidence_changed = True
        return True, event.latitude is not None and event.longitude is not None

    def judge(self, rules: CloneRules, at: datetime, expected: Sequence[Place] = ()) -> None:
        if self.suspicious_at is not None or not self.evidence_changed:
            return
        found = judge(rules, self.evidence, expected)
        if found is not None:
            self.suspicious_at = at
            self.suspicious_rule = found.rule
            self.suspicious_reason = found.reason
            self.suspicious_evidence = msgspec.json.encode(self.evidence).decode()


@dataclass(slots=True)
class Flush:
    """The rows one flush writes (in ``record_flush``'s parameter order) and each scan's answer."""

    results: list[Recorded]
    stamps: list[_Stamp]
    events: list[ScanEvent]
    verdicts: list[str]
    counted: list[bool]
    daily: dict[tuple[date, int, int, str], list[int]]
    places: dict[tuple[date, int, int, float, float], int]
    shard: int

    def arguments(self) -> tuple[Any, ...]:
        s, e = self.stamps, self.events
        daily = sorted(self.daily.items())  # one lock order for every writer
        places = sorted(self.places.items())
        # The coarser rollups a long period reads (a year: 12 months, 365 day totals).
        days: dict[tuple[date, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        months: dict[tuple[date, int, int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for (day, cooperative, product, country), counts in daily:
            total = days[(day, cooperative)]
            month = months[(day.replace(day=1), cooperative, product, country)]
            for i, n in enumerate(counts):
                total[i] += n
                month[i] += n
        month_places: dict[tuple[date, float, float], int] = defaultdict(int)
        cooperative_places: dict[tuple[int, date, float, float], int] = defaultdict(int)
        for (day, cooperative, _, latitude, longitude), n in places:
            month_places[(day.replace(day=1), latitude, longitude)] += n
            cooperative_places[(cooperative, day.replace(day=1), latitude, longitude)] += n
        day_rows = sorted(days.items())
        month_rows = sorted(months.items())
        month_place_rows = sorted(month_places.items())
        return (
            [x.serial for x in s],
            [x.batch_id for x in s],
            [x.is_new for x in s],
            [x.first_scan_at for x in s],
            [x.last_scan_at for x in s],
            [x.scan_count for x in s],
            [x.views for x in s],
            [x.scans_after_pin for x in s],
            [msgspec.json.encode(x.evidence).decode() if x.evidence_changed else None for x in s],
            [x.suspicious_at for x in s],
            [x.suspicious_rule for x in s],
            [x.suspicious_reason for x in s],
            [x.suspicious_evidence for x in s],
            [x.at for x in e],
            [x.serial for x in e],
            [x.batch_id for x in e],
            self.verdicts,
            self.counted,
            [x.ua_family for x in e],
            [x.session for x in e],
            [x.network for x in e],
            [x.country for x in e],
            [x.latitude for x in e],
            [x.longitude for x in e],
            [k[0] for k, _ in daily],
            [k[1] for k, _ in daily],
            [k[2] for k, _ in daily],
            [k[3] for k, _ in daily],
            [v[0] for _, v in daily],
            [v[1] for _, v in daily],
            [v[2] for _, v in daily],
            [v[3] for _, v in daily],
            self.shard,
            [k[0] for k, _ in places],
            [k[1] for k, _ in places],
            [k[2] for k, _ in places],
            [k[3] for k, _ in places],
            [k[4] for k, _ in places],
            [v for _, v in places],
            *_columns(day_rows, 2, 4),
            *_columns(month_rows, 4, 4),
            *_columns(month_place_rows, 3, 0),
            *_columns(sorted(cooperative_places.items()), 4, 0),
        )


def _columns(
    rows: Sequence[tuple[tuple[Any, ...], Any]], keys: int, values: int
) -> list[list[Any]]:
    """Sorted ``(key, value)`` rows as one list per key part and per value (0: a scalar)."""
    columns = [[k[i] for k, _ in rows] for i in range(keys)]
    if values:
        columns += [[v[i] for _, v in rows] for i in range(values)]
    else:
        columns.append([v for _, v in rows])
    return columns


def plan(
    rules: CloneRules,
    events: Sequence[ScanEvent],
    rows: Sequence[Mapping[str, Any]],
    shard: int,
    expected: Mapping[int, Sequence[Place]] | None = None,
) -> Flush:
    """Decide every scan of a flush, in the order the scans arrived. ``expected``: per
    serial, the places it is expected to be scanned (the stores that received it)."""
    expected = expected or {}
    stamps = {r["serial"]: _Stamp.from_row(r) for r in rows}
    touched: dict[int, _Stamp] = {}
    results: list[Recorded] = []
    verdicts: list[str] = []
    counted_flags: list[bool] = []
    daily: dict[tuple[date, int, int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    places: dict[tuple[date, int, int, float, float], int] = defaultdict(int)
    for event in events:
        person = event.ua_family != PREVIEW  # a link preview is served, logged, not counted
        stamp: _Stamp | None = None
        counted = located = False
        verdict = event.verdict
        if person and event.serial is not None and event.batch_id is not None:
            stamp = stamps.get(event.serial)
            if stamp is None:
                stamp = stamps[event.serial] = _Stamp(event.serial, event.batch_id, is_new=True)
            touched[stamp.serial] = stamp
            counted, located = stamp.scan(event)
            if verdict == "genuine":
                stamp.judge(rules, event.at, expected.get(stamp.serial, ()))
                if stamp.suspicious_at is not None:
                    verdict = "suspicious"
                elif stamp.scan_count == 1:
                    verdict = "genuine_first"
        state = (
            StampState(
                stamp.first_scan_at,
                stamp.scan_count,
                stamp.pin_verified_at,
                stamp.scans_after_pin,
                stamp.suspicious_at,
                stamp.suspicious_reason,
                len(stamp.evidence.networks),
            )
            if stamp is not None
            else None
        )
        results.append(Recorded(verdict, state))
        verdicts.append(verdict)
        counted_flags.append(counted)
        if person and event.cooperative_id is not None and event.product_id is not None:
            day = _day(event.at)
            row = daily[
                (day, event.cooperative_id, event.product_id, event.country or UNKNOWN_COUNTRY)
            ]
            row[0] += counted
            row[1] += counted and verdict == "genuine_first"
            row[2] += counted and verdict == "suspicious"
            row[3] += 1
            if located and event.latitude is not None and event.longitude is not None:
                key = (day, event.cooperative_id, event.product_id, event.latitude, event.longitude)
                places[key] += 1
    return Flush(
        results,
        sorted(touched.values(), key=lambda s: s.serial),
        list(events),
        verdicts,
        counted_flags,
        dict(daily),
        dict(places),
        shard,
    )
