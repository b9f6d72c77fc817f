"""Issuing the notice of a held review's conclusions (Thông báo kết luận): it takes the next TB number
of its issuing body (the steering committee, or the unit), is entered in the register of issued
documents and kept exactly as issued."""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _

from audits.models.review import ManagementReview
from qms.models.issuing import DocType, IssuedDocument
from qms.models.org import User
from qms.services import access, issuing
from qms.services.errors import InvalidTransition


def issue_notice(review: ManagementReview, *, actor: User | None, issued_on: date | None) -> IssuedDocument:
    """Number and register the notice. Flushes; the caller commits."""
    # The exporter builds what is issued; it reads the review through this package.
    from audits.exports import review as documents
    from qms.exports.document import to_bytes

    if actor is not None:
        access.require_run_review(actor, review.unit_id)
    if not review.is_held:
        raise InvalidTransition(_("Only the notice of a held review can be issued."), field="issued_on")
    issued = documents.issued_notice(review)
    if issued is not None:
        raise InvalidTransition(
            _("The notice has already been issued as %(number)s.", number=issued.number), field="issued_on"
        )

    def build(number: str, on: date) -> bytes:
        with force_locale("vi"):
            return to_bytes(documents.notice_document(review, "vi", number=number, issued_on=on))

    with force_locale("vi"):
        signature = documents.notice_signature(review)
        what = issuing.Issue(
            doc_type=DocType.NOTICE.value,
            issuer_symbol=documents.issuer_symbol(review),
            subject=documents.notice_subject(review),
            source=documents.NOTICE_SOURCE,
            source_ref=str(review.id),
            signer_name=signature.name,
            signer_title=signature.title,
            recipients=documents.notice_recipients(review),
        )
    return issuing.issue(
        what,
        actor=actor,
        issued_on=issued_on,
        build=build,
        filename=documents.file_name("review-notice", review),
    )
