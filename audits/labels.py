"""Words for the audit records' coded values, in the user's language (shown in pages and history)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from qms import labels

AUDIT_STATUS = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "report_submitted": _l("Report submitted"),
    "reported": _l("Reported"),
    "closed": _l("Closed"),
    "cancelled": _l("Cancelled"),
}
PROGRAMME_STATUS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted for approval"),
    "approved": _l("Approved"),
    "returned": _l("Returned for changes"),
}
AUDIT_KIND = {
    "planned": _l("Planned audit"),
    "unannounced": _l("Unannounced audit"),
    "follow_up": _l("Follow-up audit"),
}
AUDIT_ACTIONS = {
    "start": _l("Start the audit"),
    "submit_report": _l("Submit the report"),
    "return_report": _l("Return the report"),
    "approve_report": _l("Approve the report"),
    "close": _l("Close the audit"),
    "cancel": _l("Cancel the audit"),
}
AUDIT_CONFORMITY = {
    "conforms": _l("Conforms"),
    "conforms_with_ncs": _l("Conforms, with nonconformities to correct"),
    "does_not_conform": _l("Does not conform"),
}
TEAM_ROLE = {"lead": _l("Lead auditor"), "member": _l("Auditor")}
FINDING_KIND = {
    "major": _l("Major nonconformity"),
    "minor": _l("Minor nonconformity"),
    "observation": _l("Observation"),
    "ofi": _l("Opportunity for improvement"),
}
FINDING_STATUS = {
    "open": _l("Waiting for the unit's plan"),
    "plan_submitted": _l("Plan submitted"),
    "plan_returned": _l("Plan returned"),
    "plan_accepted": _l("Plan accepted, actions under way"),
    "actions_done": _l("Actions done, to verify"),
    "reopened": _l("Reopened: not effective"),
    "closed": _l("Closed (effective)"),
    "noted": _l("Noted"),
    "withdrawn": _l("Withdrawn (logged by mistake)"),
}
REVIEW_STATUS = {"draft": _l("Draft"), "held": _l("Held (locked)")}
DECISION_KIND = {
    "improvement": _l("Improvement opportunity"),
    "system_change": _l("Change to the quality system"),
    "resources": _l("Resource need"),
}
DECISION_STATE = {"open": _l("Open"), "overdue": _l("Overdue"), "done": _l("Done")}
# The input groups of ISO 9001:2015 9.3.2 a)–f).
REVIEW_INPUT_GROUPS = {
    "actions": _l("a) Status of actions from previous management reviews"),
    "context": _l("b) Changes in external and internal issues"),
    "performance": _l("c) Performance and effectiveness of the quality management system"),
    "resources": _l("d) Adequacy of resources"),
    "risks": _l("e) Effectiveness of actions taken to address risks and opportunities"),
    "improvement": _l("f) Opportunities for improvement"),
}
# The statement of a finding is named after its kind: a nonconformity's is "Nội dung điểm không phù hợp".
STATEMENT_OF_NC = _l("Statement of the nonconformity")
STATEMENT = _l("Statement")
REQUIREMENT = _l("Requirement (criterion)")
FINDING_ACTIONS = {
    "submit_plan": _l("Submit the plan"),
    "accept_plan": _l("Accept the plan"),
    "return_plan": _l("Return the plan"),
    "mark_done": _l("Actions done"),
    "verify_effective": _l("Effective"),
    "verify_not_effective": _l("Not effective"),
}
CHECKLIST_RESULT = {
    "conforms": _l("Conforms"),
    "nonconformity": _l("Nonconformity"),
    "observation": _l("Observation"),
    "not_applicable": _l("Not applicable"),
}
PROPOSAL_STATUS = {"proposed": _l("Proposed"), "accepted": _l("Accepted"), "dismissed": _l("Dismissed")}


def register() -> None:
    labels.register(
        "audit_programme",
        label=_l("Audit programme"),
        fields={
            "objectives": _l("Objectives"),
            "scope": _l("Scope"),
            "edition": _l("Edition"),
            "approved_at": _l("Approved at"),
            "notes": _l("Notes"),
            "status": _l("Status"),
            "submitted_at": _l("Submitted at"),
            "decision_number": _l("Number of the approving decision"),
            "decision_date": _l("Date of the decision"),
            "return_comment": _l("Comment (what must change)"),
        },
        values={"status": PROGRAMME_STATUS},
    )
    labels.register(
        "audit",
        label=_l("Audit"),
        fields={
            "status": _l("Status"),
            "kind": _l("Type"),
            "planned_start": _l("Start"),
            "planned_end": _l("End"),
            "cancel_reason": _l("Reason for cancelling"),
            "conclusion": _l("Overall conclusion"),
            "conformity": _l("Conformity of the system"),
            "effective": _l("Effectively implemented and maintained"),
            "strengths": _l("Strengths"),
            "recommendations": _l("Recommendations"),
            "report_return_comment": _l("Comment on the returned report"),
            "report_number": _l("Report number"),
            "report_date": _l("Report date"),
            "plan_sent_at": _l("Plan sent"),
            "plan_digest": _l("Contents of the plan sent"),
        },
        values={"status": AUDIT_STATUS, "kind": AUDIT_KIND, "conformity": AUDIT_CONFORMITY},
    )
    labels.register(
        "audit_unit", label=_l("Audited unit"), fields={"plan_acknowledged_at": _l("Plan acknowledged")}
    )
    labels.register("audit_clause", label=_l("Clause in scope"))
    labels.register("audit_team_member", label=_l("Audit team"), values={"role": TEAM_ROLE})
    labels.register("audit_agenda_item", label=_l("Agenda item"))
    labels.register("auditor_competence", label=_l("Auditor competence"))
    labels.register("checklist_item", label=_l("Checklist question"), values={"result": CHECKLIST_RESULT})
    labels.register(
        "audit_question",
        label=_l("Question bank question"),
        fields={
            "question_vi": _l("Question (Vietnamese)"),
            "question_en": _l("Question (English)"),
            "active": _l("Active"),
        },
    )
    labels.register(
        "finding",
        label=_l("Audit finding"),
        fields={
            "kind": _l("Kind"),
            "status": _l("Status"),
            "statement": _l("Statement"),
            "evidence": _l("Evidence"),
            "requirement": _l("Requirement (criterion)"),
            "raised_on": _l("Raised on"),
            "withdrawn_reason": _l("Reason for withdrawal"),
            "withdrawn_at": _l("Withdrawn on"),
            "withdrawn_by_id": _l("Withdrawn by"),
            "ref_series": _l("Reference series"),
            "ref_year": _l("Reference year"),
            "ref_seq": _l("Reference number"),
        },
        values={"kind": FINDING_KIND, "status": FINDING_STATUS},
    )
    labels.register("finding_attachment", label=_l("Attachment"))
    labels.register(
        "corrective_action",
        label=_l("Corrective action plan"),
        fields={"correction": _l("Correction"), "root_cause": _l("Root cause"), "whys": _l("5 whys")},
    )
    labels.register(
        "action_item",
        label=_l("Corrective action"),
        fields={"what": _l("Action"), "due_on": _l("Due"), "done_on": _l("Done")},
    )
    labels.register("effectiveness_check", label=_l("Verification of effectiveness"))
    labels.register("follow_up_proposal", label=_l("Follow-up proposal"), values={"status": PROPOSAL_STATUS})
    labels.register(
        "management_review",
        label=_l("Management review"),
        fields={
            "unit_id": _l("Scope"),
            "held_on": _l("Date of the review"),
            "chair": _l("Chair"),
            "attendees": _l("Attendees"),
            "period_start": _l("Period from"),
            "period_end": _l("Period to"),
            "status": _l("Status"),
            "notes_actions": REVIEW_INPUT_GROUPS["actions"],
            "notes_context": REVIEW_INPUT_GROUPS["context"],
            "notes_performance": REVIEW_INPUT_GROUPS["performance"],
            "notes_resources": REVIEW_INPUT_GROUPS["resources"],
            "notes_risks": REVIEW_INPUT_GROUPS["risks"],
            "notes_improvement": REVIEW_INPUT_GROUPS["improvement"],
            "conclusions": _l("Conclusions"),
            "snapshot": _l("Inputs as held"),
            "held_at": _l("Held at"),
            "held_by_id": _l("Held by"),
            "reopen_reason": _l("Reason for reopening"),
        },
        values={"status": REVIEW_STATUS},
    )
    labels.register(
        "review_decision",
        label=_l("Decision of the management review"),
        fields={
            "kind": _l("Kind"),
            "what": _l("Decision"),
            "owner_unit_id": _l("Owner unit"),
            "owner_id": _l("Owner"),
            "due_on": _l("Due"),
            "done_on": _l("Done"),
            "done_note": _l("What was done"),
            "done_by_id": _l("Marked done by"),
            "review_id": _l("Management review"),
        },
        values={"kind": DECISION_KIND},
    )
