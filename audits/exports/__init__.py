"""Audit documents for leadership (.docx), the findings register (.xlsx) and the audit calendar (.ics)."""
