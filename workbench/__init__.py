"""Audit Workbench: playbooks auditing PM functions, PMO governance, records, databases, BI."""

__version__ = "0.1.0"
