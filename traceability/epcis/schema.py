"""Checking EPCIS 2.0 documents against GS1's own JSON schema (see NOTICE.md beside it)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_FILE = Path(__file__).with_name("EPCIS-JSON-Schema.json")


@cache
def _validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator: jsonschema.protocols.Validator = validator_class(
        schema, format_checker=validator_class.FORMAT_CHECKER
    )
    return validator


def schema_errors(document: Any, limit: int = 20) -> list[str]:
    """What makes ``document`` fail GS1's EPCIS 2.0 schema, as ``path: message`` lines."""
    found = []
    for error in _validator().iter_errors(document):
        path = "/".join(str(part) for part in error.absolute_path) or "(document)"
        found.append(f"{path}: {error.message[:300]}")
        if len(found) >= limit:
            break
    return found
