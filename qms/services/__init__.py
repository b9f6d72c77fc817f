"""Business rules as plain functions: they take the acting user, validate, flush, and never commit."""
