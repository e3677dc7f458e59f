"""Splitting a SQL script into statements, for migrations that run outside a transaction.

PostgreSQL runs a multi-statement string as one implicit transaction, where
``CREATE INDEX CONCURRENTLY`` is refused; such a migration is sent one statement at a time.
The splitter knows the places where a ``;`` does not end a statement: quoted strings and
identifiers, dollar-quoted bodies and comments.
"""

from __future__ import annotations

import re

_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")


def split_statements(script: str) -> list[str]:
    """The statements of ``script``, without their ``;``, blank or comment-only ones dropped."""
    statements: list[str] = []
    start = 0
    i = 0
    n = len(script)
    while i < n:
        c = script[i]
        if c == "-" and script.startswith("--", i):
            end = script.find("\n", i)
            i = n if end == -1 else end + 1
        elif c == "/" and script.startswith("/*", i):
            i = _block_comment_end(script, i)
        elif c in "'\"":
            escapes = c == "'" and i > 0 and script[i - 1] in "Ee" and not _in_word(script, i - 1)
            i = _quoted_end(script, i, c, escapes=escapes)
        elif c == "$" and (tag := _DOLLAR_TAG.match(script, i)) and not _in_word(script, i):
            end = script.find(tag.group(), tag.end())
            if end == -1:
                raise ValueError(f"unterminated dollar quote {tag.group()}")
            i = end + len(tag.group())
        elif c == ";":
            statements.append(script[start:i])
            i += 1
            start = i
        else:
            i += 1
    statements.append(script[start:])
    return [s.strip() for s in statements if _has_code(s)]


def _in_word(script: str, i: int) -> bool:
    # "$1" parameters and identifiers such as a$b are not dollar quotes.
    return i > 0 and (script[i - 1].isalnum() or script[i - 1] == "_")


def _quoted_end(script: str, i: int, quote: str, *, escapes: bool) -> int:
    j = i + 1
    while True:
        j = script.find(quote, j)
        if j == -1:
            raise ValueError("unterminated quoted string")
        if escapes and _escaped(script, j):  # E'it\'s'
            j += 1
            continue
        if script.startswith(quote * 2, j):  # a doubled quote stands for itself
            j += 2
            continue
        return j + 1


def _escaped(script: str, j: int) -> bool:
    backslashes = 0
    while script[j - 1 - backslashes] == "\\":
        backslashes += 1
    return backslashes % 2 == 1


def _block_comment_end(script: str, i: int) -> int:
    depth = 0
    j = i
    while j < len(script):
        if script.startswith("/*", j):
            depth += 1
            j += 2
        elif script.startswith("*/", j):
            depth -= 1
            j += 2
            if depth == 0:
                return j
        else:
            j += 1
    raise ValueError("unterminated block comment")


def _has_code(statement: str) -> bool:
    without_comments = re.sub(r"--[^\n]*", "", statement)
    without_comments = re.sub(r"/\*.*?\*/", "", without_comments, flags=re.DOTALL)
    return bool(without_comments.strip())
