"""Text that a spreadsheet must not read as a formula (formula injection, OWASP "CSV injection").

A text that begins with = + - @, a tab or a carriage return is a formula to Excel and LibreOffice.
Every CSV the app or the command line writes passes its text cells through `neutralise`; .xlsx files
write such text as string cells (coopdash/app/export.py). The value on screen and in the dataset
stays what the ledger said.
"""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """`value` with a leading apostrophe when it is text that would start a formula; else unchanged."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def restore(value):
    """The text `neutralise` was given (for showing a file this app wrote, as the ledger said it)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value
