"""Loading client files: readers per format, coercion to the contract, validation."""

from workbench.io.loader import LoadResult, load_inputs, load_table
from workbench.io.validation import Issue, ValidationReport

__all__ = ["Issue", "LoadResult", "ValidationReport", "load_inputs", "load_table"]
