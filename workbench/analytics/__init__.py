"""Audit analytics over tables: Benford, duplicates, gaps, ledger tests, outliers, sampling."""
