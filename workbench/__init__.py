"""Audit Workbench: playbooks for auditing PM functions, PMO governance, records, databases and BI."""

__version__ = "0.1.0"
