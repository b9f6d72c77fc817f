"""Audit business rules as plain functions: they validate, flush and raise domain errors; callers commit."""
