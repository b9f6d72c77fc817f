"""Flask-WTF forms: input shapes and per-field checks; domain rules stay in the services."""
