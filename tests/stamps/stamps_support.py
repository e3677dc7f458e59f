"""Shared test data (a uniquely named module: tests/ is not a package)."""

from __future__ import annotations

SEED_A = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
SEED_B = bytes(range(32))
PUBLIC_URL = "https://trace.hagiang.gov.vn"
