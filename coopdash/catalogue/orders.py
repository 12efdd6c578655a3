"""Labels of the orders page."""

LABELS: dict[str, tuple[str, str]] = {
}
