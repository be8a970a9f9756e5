"""The document kinds a bureau issues (the official papers' names, number prefixes, audiences),
keyed by the name a BPMN element's `document` property uses (a comma-separated list of keys).

`audience` says who receives the paper: the complainant, the bureau's own file
(internal), or the reported party / another department (external).
`confidential` kinds never show the complainant's name or phone unless the
administrator's setting allows it — they leave the bureau.
`prefix` starts the per-year number series, e.g. 环受告〔2026〕第12号.
"""
from __future__ import annotations

# The diagram property that names what an element issues (engine/definitions/checks.py checks it
# at deploy, documents/issue.py issues it when the element completes).
DOCUMENT_PROPERTY = "document"

KINDS: dict[str, dict] = {
    "acceptance_notice": {
        "zh": "受理告知书", "en": "Acceptance notice",
        "audience": "complainant", "confidential": False, "prefix": "环受告",
    },
    "rejection_notice": {
        "zh": "不予受理告知书", "en": "Non-acceptance notice",
        "audience": "complainant", "confidential": False, "prefix": "环不受告",
    },
    "assignment_slip": {
        "zh": "交办单", "en": "Assignment slip",
        "audience": "external", "confidential": True, "prefix": "环交",
    },
    "transfer_slip": {
        "zh": "转办单", "en": "Transfer slip",
        "audience": "external", "confidential": True, "prefix": "环转",
    },
    "supervision_notice": {
        "zh": "督办单", "en": "Supervision notice",
        "audience": "external", "confidential": True, "prefix": "环督",
    },
    "extension_notice": {
        "zh": "延期告知书", "en": "Extension notice",
        "audience": "complainant", "confidential": False, "prefix": "环延告",
    },
    "reply": {
        "zh": "答复意见书", "en": "Reply to the complainant",
        "audience": "complainant", "confidential": False, "prefix": "环复",
    },
    "closure_report": {
        "zh": "办结报告", "en": "Closure report",
        "audience": "internal", "confidential": False, "prefix": "环结",
    },
    # Enforcement (engine/enforcement): papers served on the party or sent to the police; they
    # leave the bureau, so the complainant is masked (documents/context.py).
    "correction_order": {
        "zh": "责令改正违法行为决定书", "en": "Order to correct a violation",
        "audience": "external", "confidential": True, "prefix": "环责改",
    },
    "penalty_decision": {
        "zh": "行政处罚决定书", "en": "Administrative penalty decision",
        "audience": "external", "confidential": True, "prefix": "环罚决",
    },
    "case_transfer_letter": {
        "zh": "涉嫌犯罪案件移送书", "en": "Letter handing a case to the police",
        "audience": "external", "confidential": True, "prefix": "环移",
    },
    "case_file": {
        "zh": "案卷", "en": "Case file",
        "audience": "internal", "confidential": False, "prefix": "环卷",
    },
}


class UnknownDocumentKind(ValueError):
    """A diagram names a document kind greenloop cannot produce."""


def parse_kinds(value: str | None) -> list[str]:
    """Split a `document` property value into kind keys (order kept, blanks dropped)."""
    if not value:
        return []
    return [part.strip() for part in str(value).split(",") if part.strip()]


def unknown_kinds(value: str | None) -> list[str]:
    return [kind for kind in parse_kinds(value) if kind not in KINDS]


# Random inspections (双随机、一公开, engine/inspections): papers about a plan or an inspection of an
# enterprise, not a case, so no diagram element issues them through documents/issue.py; the
# inspection's own step numbers the notice (engine/inspections/functions.py) and the PDF is drawn
# from the row's snapshot (documents/inspection_papers.py). Same per-year series table.
INSPECTION_KINDS: dict[str, dict] = {
    "inspection_notice": {
        "zh": "检查通知书", "en": "Inspection notice",
        "audience": "external", "confidential": False, "prefix": "环检通",
    },
    "inspection_results": {
        "zh": "抽查结果公示", "en": "Random inspection results",
        "audience": "public", "confidential": False, "prefix": "环抽公",
    },
}


# Periodic reports (日报/周报/月报, engine/reports): papers of the bureau's own file, about a period
# rather than a case, so no diagram element issues them (deploy knows only KINDS above). Their
# numbers come from the same per-year series table, one series per report kind.
REPORT_KINDS: dict[str, dict] = {
    "daily": {
        "zh": "信访投诉办理情况日报", "en": "Daily complaint-handling report",
        "audience": "internal", "confidential": False, "prefix": "环督日报",
    },
    "weekly": {
        "zh": "信访投诉办理情况周报", "en": "Weekly complaint-handling report",
        "audience": "internal", "confidential": False, "prefix": "环督周报",
    },
    "monthly": {
        "zh": "信访投诉办理情况月报", "en": "Monthly complaint-handling report",
        "audience": "internal", "confidential": False, "prefix": "环督月报",
    },
}
