"""Small maintenance commands run by the Makefile."""
