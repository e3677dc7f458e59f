"""Forms read what people type the Vietnamese way and explain every error in words."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
import pytest

from traceability.accounts.schemas import UserCreate
from traceability.errors import Conflict, InvalidInput
from traceability.portal.forms import FORM_ERROR, bind
from traceability.portal.i18n import Translator, catalog
from traceability.portal.messages import portal_messages

VI = Translator("vi")
EN = Translator("en")


class Order(msgspec.Struct, frozen=True):
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]
    harvested_on: dt.date
    area_ha: Annotated[float, msgspec.Meta(gt=0)] | None = None
    label: Literal["a4_3x8", "a4_3x7"] = "a4_3x8"
    note: Annotated[str, msgspec.Meta(max_length=10)] | None = None


def test_numbers_and_dates_are_read_as_vietnamese_write_them() -> None:
    form = bind(Order, {"quantity": "2.000", "harvested_on": "28/11/2026", "area_ha": "1,5"}, VI)
    assert form.ok, form.errors
    assert form.data == Order(2000, dt.date(2026, 11, 28), 1.5)
    english = bind(Order, {"quantity": "2,000", "harvested_on": "28/11/2026"}, EN)
    assert english.data.quantity == 2000


class Described(msgspec.Struct, frozen=True):
    budget_vnd: Annotated[int, msgspec.Meta(ge=0, description="whole đồng")]
    name: Annotated[str, msgspec.Meta(max_length=5, description="a short name")] | None = None


def test_constraints_with_a_description_are_read_like_the_others() -> None:
    # A Meta with a description wraps its type: "2.500.000" was refused as text before.
    form = bind(Described, {"budget_vnd": "2.500.000"}, VI)
    assert form.ok, form.errors
    assert form.data.budget_vnd == 2_500_000
    assert bind(Described, {"budget_vnd": "-1"}, VI).error("budget_vnd") == (
        "Nhập số từ 0 trở lên."
    )
    too_long = bind(Described, {"budget_vnd": "1", "name": "quá dài"}, VI)
    assert too_long.error("name") == "Nhập tối đa 5 ký tự."


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("quantity", "2,5", "Nhập số nguyên, ví dụ 2.000."),
        ("quantity", "1e5", "Nhập số nguyên, ví dụ 2.000."),
        ("quantity", "0", "Nhập số từ 1 trở lên."),
        ("quantity", "2.000.000", "Nhập số không lớn hơn 1.000.000."),
        ("harvested_on", "2026-13-01", "Không có ngày 2026-13-01."),
        ("harvested_on", "31/02/2026", "Không có ngày 31/02/2026."),
        ("harvested_on", "hôm qua", "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 28/11/2026."),
        ("area_ha", "2.5", "Nhập một số, ví dụ 2.651,5."),
        ("area_ha", "0", "Nhập một số lớn hơn 0."),
        ("label", "<script>", "Hãy chọn một trong các lựa chọn."),
        ("note", "quá dài so với mười ký tự", "Nhập tối đa 10 ký tự."),
    ],
)
def test_each_error_is_beside_its_field_in_words(field: str, typed: str, message: str) -> None:
    values = {"quantity": "10", "harvested_on": "01/12/2026", field: typed}
    form = bind(Order, values, VI)
    assert not form.ok
    assert form.error(field) == message
    assert form.value(field) == typed  # what was typed comes back to be corrected


def test_a_missing_field_is_required_and_text_is_normalised() -> None:
    form = bind(
        UserCreate,
        {"login": "  ", "display_name": "Nguye\u0302\u0303n  Văn A", "role": "retailer"},
        VI,
    )
    assert form.error("login") == "Vui lòng điền ô này."
    assert form.errors.keys() == {"login"}
    typed = bind(
        UserCreate,
        {"login": "a@b.vn", "display_name": "Nguye\u0302\u0303n  Văn A", "role": "retailer"},
        VI,
    )
    assert typed.data.display_name == "Nguyễn Văn A"  # NFC, single spaces


async def test_service_and_database_rules_land_beside_their_field() -> None:
    form = bind(UserCreate, {"login": "a@b.vn", "display_name": "A", "role": "retailer"}, VI)

    async def taken(_: UserCreate) -> str:  # what the service would return, had it succeeded
        raise Conflict("Someone already signs in with this login.", field="login")

    class Conn:
        def transaction(self) -> Conn:
            return self

        async def __aenter__(self) -> None:
            return None

        async def __aexit__(self, *exc: object) -> None:
            return None

    assert await form.run(Conn(), taken) is None
    assert form.error("login") == "Tên đăng nhập này đã có người dùng."
    constraint = bind(UserCreate, {"login": "a@b.vn", "display_name": "A", "role": "retailer"}, VI)
    constraint.fail_with(
        InvalidInput(
            "A lot cannot expire before it is harvested.", constraint="lots_expiry_after_harvest"
        )
    )
    # A field this form does not show: the message goes above the form, still in Vietnamese.
    assert constraint.form_errors == ["Hạn sử dụng của lô không thể trước ngày thu hoạch."]
    assert FORM_ERROR in constraint.errors


def test_money_numbers_and_dates_are_written_in_the_readers_language() -> None:
    assert VI.number(2651) == "2.651"
    assert VI.money(892500) == "892.500\xa0₫"
    assert EN.number(2651) == "2,651"
    assert VI.date(dt.date(2026, 11, 28)) == EN.date(dt.date(2026, 11, 28)) == "28/11/2026"
    late = dt.datetime(2026, 11, 28, 20, 30, tzinfo=dt.UTC)  # 03:30 the next day in Vietnam
    assert VI.datetime(late) == "29/11/2026 03:30"


def test_every_message_the_portal_shows_has_vietnamese() -> None:
    """Adding a page? Run ``uv run python scripts/portal_messages.py`` and translate."""
    vietnamese = catalog("vi")
    missing = sorted(m for m in portal_messages() if m not in vietnamese)
    assert not missing, missing


def test_translations_keep_their_placeholders() -> None:
    import re

    for message, translated in catalog("vi").items():
        assert set(re.findall(r"%\(\w+\)s", message)) == set(
            re.findall(r"%\(\w+\)s", translated)
        ), message


def test_signed_in_devices_read_as_a_person_knows_them() -> None:
    from traceability.portal.templating import device

    android = (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Mobile Safari/537.36"
    )
    assert device(android) == "Chrome · Android"
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Version/17.0 Safari/604.1"
    assert device(iphone) == "Safari · iPhone"
    assert device("curl/8.5") == "curl/8.5"
