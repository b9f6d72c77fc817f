"""Evaluation and improvement (ISO 9001 clauses 9–10): internal audits, findings and corrective actions."""
