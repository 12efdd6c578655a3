"""The 小区地图 page's tables for one chosen compound: its service orders, cleanups and repairs in the
window, headed by their counts, with the contract's column labels."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from coopdash.app import ui
from coopdash.data.contract import TABLES_BY_NAME
from coopdash.i18n import fmt
from coopdash.i18n.labels import t


def _labels(table: str) -> dict[str, str]:
    return {c.name: c.label for c in TABLES_BY_NAME[table].columns}


def tables(orders: pd.DataFrame, cleanups: pd.DataFrame, repairs: pd.DataFrame) -> None:
    """Orders across the page, cleanups and repairs side by side below (maps.label_* frames)."""
    st.markdown(f"**{t('map.detail.orders', count=fmt.number(len(orders)))}**")
    if orders.empty:
        ui.empty()
    else:
        so = _labels("service_orders")
        ui.table(orders, {"order_id": (so["order_id"], "text"), "category": (so["category"], "text"),
                          "submitted_at": (so["submitted_at"], "datetime"),
                          "resolved_at": (so["resolved_at"], "datetime"), "status": (so["status"], "text"),
                          "open_at_end": (t("map.col.open_at_end"), "bool"),
                          "rating": (so["rating"], "int")}, key="map_orders")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('map.detail.cleanups', count=fmt.number(len(cleanups)))}**")
        if cleanups.empty:
            ui.empty()
        else:
            cl = _labels("cleanups")
            ui.table(cleanups, {"cleanup_id": (cl["cleanup_id"], "text"), "done_on": (cl["done_on"], "date"),
                                "waste_type": (cl["waste_type"], "text"), "tonnes": (cl["tonnes"], "float")},
                     key="map_cleanups")
    with right:
        st.markdown(f"**{t('map.detail.repairs', count=fmt.number(len(repairs)))}**")
        if repairs.empty:
            ui.empty()
        else:
            rp = _labels("repairs")
            ui.table(repairs, {"repair_id": (rp["repair_id"], "text"), "done_on": (rp["done_on"], "date"),
                               "kind": (rp["kind"], "text"), "quantity": (rp["quantity"], "float"),
                               "unit": (t("map.col.unit"), "text")}, key="map_repairs")
