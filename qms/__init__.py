"""QMS Tracker: ISO 9001 quality management and internal audits for public administration."""

__version__ = "0.1.0"
