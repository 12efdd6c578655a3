"""The label catalogue, one module per page plus `common`: key → (简体中文, English).

Keys are unique across modules (a test checks it); coopdash.i18n.labels.t() reads the merged catalogue.
"""

from coopdash.i18n.catalogue import (
    admin,
    auth,
    briefing,
    common,
    environment,
    map,
    orders,
    organisation,
    overview,
    workbench,
)

MODULES = (common, overview, map, orders, environment, organisation, admin, workbench, auth, briefing)
CATALOGUE: dict[str, tuple[str, str]] = {}
for _module in MODULES:
    CATALOGUE.update(_module.LABELS)
