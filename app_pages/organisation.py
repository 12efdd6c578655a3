"""Placeholder: being built (issue 3)."""

from coopdash import ui

ui.header("page.organisation")
ui.empty()
