"""Helper scripts used by the Makefile."""
