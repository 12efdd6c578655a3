"""Labels of the map page."""

LABELS: dict[str, tuple[str, str]] = {
}
