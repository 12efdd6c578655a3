"""Labels of the environment page."""

LABELS: dict[str, tuple[str, str]] = {
}
