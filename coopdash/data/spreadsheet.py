"""Text that a spreadsheet must not read as a formula (formula injection, OWASP "CSV injection").

A text that begins with = + - @, a tab, a carriage return or a line feed is a formula to Excel and
LibreOffice; so is one that begins with their full-width forms ＝ ＋ － ＠ (Excel for Chinese reads them
as the half-width ones) or with whitespace (spaces, the ideographic space) before any of them.
Every CSV the app or the command line writes passes its text cells through `neutralise`; .xlsx files
write such text as string cells (coopdash/app/export.py). The value on screen and in the dataset
stays what the ledger said.
"""

FORMULA_SIGNS = ("=", "+", "-", "@", "＝", "＋", "－", "＠")
FORMULA_START = (*FORMULA_SIGNS, "\t", "\r", "\n")


def formula_like(value) -> bool:
    """Whether a spreadsheet could read this text as a formula."""
    return isinstance(value, str) and (value.startswith(FORMULA_START) or value.lstrip().startswith(FORMULA_SIGNS))


def neutralise(value):
    """`value` with a leading apostrophe when it is text that would start a formula; else unchanged."""
    return "'" + value if formula_like(value) else value


def restore(value):
    """The text `neutralise` was given (for showing a file this app wrote, as the ledger said it)."""
    if isinstance(value, str) and value.startswith("'") and formula_like(value[1:]):
        return value[1:]
    return value
