"""What the two texted-code sign-ins share (a promoter's dashboard, staff on the website): how
codes, tokens and phones are hashed, how many wrong guesses void a code, and the guess itself."""

from __future__ import annotations

import hashlib
import hmac
from typing import Protocol

MAX_ATTEMPTS = 5  # wrong guesses before a code is void


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class CodeRow(Protocol):
    salt: str
    code_hash: str | None
    attempts: int


def guessed(row: CodeRow, code: str) -> bool:
    """Whether `code` is the row's code; a wrong guess counts against the row (the caller
    commits it: a refusal is an answer, not an error, so the count sticks)."""
    if row.code_hash is not None and hmac.compare_digest(
        row.code_hash, sha(row.salt + code.strip())
    ):
        return True
    row.attempts += 1
    return False
