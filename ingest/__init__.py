"""Ledgers (台账, .xlsx / .csv) into validated, versioned Parquet datasets. See docs/ingest.md."""
