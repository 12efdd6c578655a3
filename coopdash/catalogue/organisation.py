"""Labels of the organisation page."""

LABELS: dict[str, tuple[str, str]] = {
}
