"""The public front page (check a stamp by link or photo), the API docs, the CLI."""

from __future__ import annotations

import io
import subprocess
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient
from PIL import Image

from stamps import issue
from stamps.render import qr_image
from tests import world
from tests.portal.conftest import form_token
from tests.test_cli import CLI, _env
from traceability.runtime import runtime_of


async def test_the_front_page_explains_and_offers_sign_in(web: AsyncTestClient[Any]) -> None:
    page = await web.get("/")
    assert page.status_code == 200
    assert "Tem thông minh cho nông sản Hà Giang" in page.text
    assert 'href="/portal/login"' in page.text
    assert 'capture="environment"' in page.text
    english = await web.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Smart stamps for Hà Giang's farm products" in english.text


async def test_a_typed_link_goes_to_its_scan_page(web: AsyncTestClient[Any]) -> None:
    stamp = issue(42, runtime_of(web.app).keys.ring)
    link = stamp.url("https://tem.hagiang.gov.vn")
    answer = await web.get("/check", params={"code": f"  {link} "}, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/s/{stamp.code}"
    number = await web.get("/check", params={"code": "Số 1.234.567"})
    assert number.status_code == 422
    assert "Số in trên tem không chứng minh được tem thật" in number.text
    junk = await web.get("/check", params={"code": "<script>alert(1)</script>"})
    assert junk.status_code == 422
    assert "<script>alert(1)</script>" not in junk.text
    assert "&lt;script&gt;" in junk.text


async def test_a_photo_of_a_stamp_goes_to_its_scan_page(web: AsyncTestClient[Any]) -> None:
    stamp = issue(7, runtime_of(web.app).keys.ring)
    image = qr_image(stamp.url("https://tem.hagiang.gov.vn"), module_px=6)
    photo = Image.new("RGB", (image.width + 200, image.height + 300), "white")
    photo.paste(image.convert("RGB"), (100, 150))
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=85)
    token = await form_token(web, "/")
    answer = await web.post(
        "/check",
        files={"photo": ("IMG_0001.jpg", buffer.getvalue(), "image/jpeg")},
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/s/{stamp.code}"


async def test_a_photo_without_a_stamp_is_explained(web: AsyncTestClient[Any]) -> None:
    token = await form_token(web, "/")
    for name, content in (("x.jpg", b"not an image at all"), ("blank.png", _png_blank())):
        answer = await web.post(
            "/check",
            files={"photo": (name, content, "image/jpeg")},
            data={"csrf_token": token},
        )
        assert answer.status_code == 422
        assert "Không đọc được mã QR nào trong ảnh." in answer.text
    nothing = await web.post("/check", data={"csrf_token": token})
    assert "Hãy chọn ảnh chụp tem." in nothing.text


def _png_blank() -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (50, 50), 255).save(buffer, "PNG")
    return buffer.getvalue()


async def test_api_docs_load_only_local_files_and_declare_the_bearer_key(
    web: AsyncTestClient[Any],
) -> None:
    page = await web.get("/schema")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert "https://" not in page.text
    assert "<script>" not in page.text  # started from a file: works under a strict CSP
    for asset in page.text.split("src='")[1:] + page.text.split("href='")[1:]:
        url = asset.split("'")[0]
        assert (await web.get(url)).status_code == 200, url
    spec = (await web.get("/schema/openapi.json")).json()
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearer"]["description"],
    }
    assert spec["paths"]["/api/v1/api-keys"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in spec["paths"]["/healthz"]["get"]
    assert not any(path.startswith("/portal") for path in spec["paths"])


async def test_static_files_are_cached_for_good(web: AsyncTestClient[Any]) -> None:
    page = await web.get("/portal/login")
    css = page.text.split('rel="stylesheet" href="')[1].split('"')[0]
    assert "?v=" in css
    answer = await web.get(css)
    assert answer.status_code == 200
    assert "immutable" in answer.headers["cache-control"]


def test_create_user_prints_the_one_time_password_alone(database_url: str) -> None:
    result = subprocess.run(
        [
            *CLI,
            "admin",
            "create-user",
            "--role",
            "authority",
            "--login",
            "So.KHCN@HaGiang.gov.vn",
            "--name",
            "Sở KH&CN Hà Giang",
        ],
        env=_env(DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert len(lines[0]) == 14, result.stdout
    again = subprocess.run(
        [
            *CLI,
            "admin",
            "create-user",
            "--role",
            "cooperative",
            "--login",
            "0912 345 678",
            "--name",
            "Nguyễn Văn A",
        ],
        env=_env(DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert again.returncode == 1
    assert again.stdout == ""
    assert "cooperative" in again.stderr


async def test_created_user_signs_in_with_the_printed_password(
    database_url: str, web: AsyncTestClient[Any], db: asyncpg.Connection
) -> None:
    chain = await world.chain(db)
    result = subprocess.run(  # noqa: ASYNC221 (a test: the command as a user runs it)
        [
            *CLI,
            "admin",
            "create-user",
            "--role",
            "retailer",
            "--chain-id",
            str(chain),
            "--login",
            "kho@sieuthi.vn",
            "--name",
            "Kho",
        ],
        env=_env(DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    token = await form_token(web, "/portal/login")
    answer = await web.post(
        "/portal/login",
        data={"login": "KHO@sieuthi.vn", "password": result.stdout.strip(), "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/portal/password"


async def test_a_first_visit_fits_the_byte_budget(web: AsyncTestClient[Any]) -> None:
    """The front page and all it loads, gzip, within 60 KB (the full budget run, with
    signed-in pages and server times, is ``scripts/bench_portal.py``)."""
    import re

    gzip = {"Accept-Encoding": "gzip"}
    page = await web.get("/", headers=gzip)
    total = page.num_bytes_downloaded
    assets = re.findall(r'(?:<link[^>]+href|<script[^>]+src)="(/static/[^"]+)"', page.text)
    css = next(a for a in assets if ".css" in a)
    fonts = re.findall(r'url\("?([^")]+)"?\)', (await web.get(css)).text)
    urls = set(assets) | {f"/static/{font}" for font in fonts}
    for url in urls:
        answer = await web.get(url, headers=gzip)
        assert answer.status_code == 200, url
        total += answer.num_bytes_downloaded
    assert len(urls) == len(assets) + len(fonts) - 1  # the preloaded font is the CSS's own
    assert total <= 60 * 1024, total
