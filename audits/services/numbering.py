"""References that are unique and never reused: `DG-2018-03` for audits, `NC-2018-007` for
nonconformities, and a number of their own for observations (`OBS-2018-003`) and opportunities for
improvement (`OFI-2018-002`), shown with the prefix of the interface language (see `Finding.label`).

Each scope ('DG-2018', 'NC-2018', 'OBS-2018', 'OFI-2018') has a counter row (qms.services.numbering).
"""

from __future__ import annotations

from qms.services.numbering import increment_and_get


def next_audit_ref(year: int) -> tuple[str, int]:
    seq = increment_and_get(f"DG-{year}")
    return f"DG-{year}-{seq:02d}", seq


def next_finding_seq(series: str, year: int) -> int:
    """The next number of a finding series ('NC', 'OBS', 'OFI') in `year`."""
    return increment_and_get(f"{series}-{year}")


def next_nc_ref(year: int) -> tuple[str, int]:
    seq = next_finding_seq("NC", year)
    return f"NC-{year}-{seq:03d}", seq
