"""References that are unique and never reused: `DG-2018-03` for audits, `NC-2018-007` for nonconformities.

Each scope ('DG-2018', 'NC-2018') has a counter row (qms.services.numbering).
"""

from __future__ import annotations

from qms.services.numbering import increment_and_get


def next_audit_ref(year: int) -> tuple[str, int]:
    seq = increment_and_get(f"DG-{year}")
    return f"DG-{year}-{seq:02d}", seq


def next_nc_ref(year: int) -> tuple[str, int]:
    seq = increment_and_get(f"NC-{year}")
    return f"NC-{year}-{seq:03d}", seq
