"""One error type that speaks both languages; subclasses say what kind of thing went wrong.

Every refusal and every failure a user can see carries its reason in Simplified Chinese (`zh`) and
English (`en`); the page or command shows both. Subclasses exist where a caller handles the kind
differently, not to carry a different message format.
"""

from __future__ import annotations


class CoopError(Exception):
    """A failure or refusal with its reason in Chinese and English."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


class DataError(CoopError):
    """A dataset does not meet the contract (missing table or column, a rollup out of order)."""


class QueryError(CoopError):
    """A named query could not run: unknown name, missing parameter, or a DuckDB error."""


class ReadError(CoopError):
    """A ledger file that cannot be read at all (encoding, not a table, unsupported type)."""


class CellError(CoopError, ValueError):
    """One ledger cell that cannot be turned into its column's type."""


class StoreError(CoopError):
    """A dataset version cannot be written or rolled back."""


class Refused(CoopError):
    """A request that is not allowed (a console statement, an action outside the user's role)."""
