"""The history block of a record page: one page of readable entries and the links to the others."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import has_request_context, request, url_for

from qms.models.history import HistoryEntry
from qms.services import history
from qms.views.helpers import PAGE_RANGE, int_arg

PAGE_ARG = "history_page"


@dataclass
class HistoryBlock:
    page: history.HistoryPage
    opened: bool
    newer_url: str | None
    older_url: str | None


def _url(page: int) -> str:
    args = {k: v for k, v in request.args.items() if k != PAGE_ARG}
    url = url_for(request.endpoint or "", **{**args, **(request.view_args or {}), PAGE_ARG: page})
    return url + "#history"


def history_block(entries: Sequence[HistoryEntry]) -> HistoryBlock:
    """For templates: the page named by `?history_page=` (the first by default). The block opens by
    itself only when the reader is paging through it."""
    number = 1
    opened = False
    if has_request_context():
        number = int_arg(PAGE_ARG, 1, **PAGE_RANGE) or 1
        opened = PAGE_ARG in request.args
    page = history.readable(entries, page=number)
    can_link = has_request_context() and request.endpoint is not None
    return HistoryBlock(
        page=page,
        opened=opened,
        newer_url=_url(page.page - 1) if can_link and page.page > 1 else None,
        older_url=_url(page.page + 1) if can_link and page.page < page.pages else None,
    )
