"""Blueprints: thin views that load, ask `access`, call a service, commit once and render."""
