"""A small shop analytics pipeline written with Luigi."""
