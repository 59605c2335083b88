"""Forms for highlight and exception reports, and the admin's confidence-scale setting."""
from __future__ import annotations

import json

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..concurrency import VersionedForm
from ..fields import DateRequired, GovDateField, select_choices
from ..forms import PmoForm
from ..models.initiatives import CONFIDENCE_NEEDING_JUSTIFICATION
from ..models.reports import (
    CONFIDENCE_SCALES,
    DIMENSIONS,
    EXCEPTION_SECTIONS,
    HIGHLIGHT_SECTIONS,
    REPORT_KINDS,
    confidence_label,
    confidence_levels,
    shown_confidence,
)

TEXT_LIMIT = 10_000
SECTION_HINTS = {
    "achievements": "What was delivered this period. Pre-filled from the milestones met in the period.",
    "next_period": "What will be done next period. Pre-filled from the milestones due.",
    "tolerance_status": "Whether time and cost are within the tolerances set on the delivery record.",
    "change_requests": "Requests for change raised or decided. Pre-filled from the RAID log.",
    "key_risks_issues": "The risks and issues the board should know about. Pre-filled from the RAID log.",
    "decisions_needed": "What the board is asked to decide, and by when.",
    "lessons": "Lessons learned this period. Pre-filled from the lessons log.",
    "breach": "Which tolerance is, or is forecast to be, exceeded and by how much.",
    "cause": "What caused the deviation.",
    "options": "The options for recovery, each with its effect on time, cost, scope and benefits.",
    "recommendation": "The option recommended, and why.",
}


def _section(name: str, label: str) -> TextAreaField:
    too_long = f"{label} must be {TEXT_LIMIT:,} characters or fewer"
    return TextAreaField(label, widget=GovTextArea(), description=SECTION_HINTS[name],
                         validators=[Length(max=TEXT_LIMIT, message=too_long)])


def _rating(label: str, description: str = "") -> RadioField:
    return RadioField(label, choices=[], validators=[Optional()], widget=GovRadioInput(), description=description)


class ReportForm(VersionedForm, PmoForm):
    """A highlight (or exception) report's period, ratings and sections, while it is a draft."""

    period_start = GovDateField("Period start", validators=[DateRequired("Enter the date the period starts")])
    period_end = GovDateField("Period end", validators=[DateRequired("Enter the date the period ends")])
    overall_confidence = _rating("Overall delivery confidence",
                                 "How likely is successful delivery, all things considered?")
    confidence_justification = TextAreaField(
        "Justification", widget=GovTextArea(),
        description="Why this rating. Required for Amber/Red and Red.",
        validators=[Length(max=TEXT_LIMIT, message=f"The justification must be {TEXT_LIMIT:,} characters or fewer")])
    rag_time = _rating("Time")
    rag_cost = _rating("Cost")
    rag_scope = _rating("Scope")
    rag_quality = _rating("Quality")
    rag_benefits = _rating("Benefits")
    rag_risk = _rating("Risk")
    breach = _section("breach", "The tolerance breached")
    cause = _section("cause", "Cause of the exception")
    options = _section("options", "Options")
    recommendation = _section("recommendation", "Recommendation")
    achievements = _section("achievements", "Achievements this period")
    next_period = _section("next_period", "Plan for next period")
    tolerance_status = _section("tolerance_status", "Tolerance status")
    change_requests = _section("change_requests", "Requests for change")
    key_risks_issues = _section("key_risks_issues", "Key risks and issues")
    decisions_needed = _section("decisions_needed", "Decisions needed")
    lessons = _section("lessons", "Lessons")
    submit = SubmitField("Save draft", widget=GovSubmitInput())

    def __init__(self, *args, exception: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.exception = exception
        if not exception:
            for name, _label in EXCEPTION_SECTIONS:
                delattr(self, name)
        levels = select_choices(confidence_levels())
        for name in self.rating_names():
            self[name].choices = levels
            self[name].data = shown_confidence(self[name].data)

    @staticmethod
    def rating_names() -> list[str]:
        return ["overall_confidence", *(f"rag_{key}" for key, _ in DIMENSIONS)]

    def section_names(self) -> list[str]:
        return [name for name, _ in (*(EXCEPTION_SECTIONS if self.exception else ()), *HIGHLIGHT_SECTIONS)]

    def validate_period_end(self, field):
        if field.data and self.period_start.data and field.data < self.period_start.data:
            raise ValidationError("The period must end on or after the day it starts")
        if field.data and self.period_start.data and (field.data - self.period_start.data).days > 366:
            raise ValidationError("A reporting period must be a year or shorter")

    def validate_confidence_justification(self, field):
        if self.overall_confidence.data in CONFIDENCE_NEEDING_JUSTIFICATION and not (field.data or "").strip():
            raise ValidationError(f"Explain why overall confidence is {confidence_label(self.overall_confidence.data)}")

    def apply_to(self, report) -> None:
        """Copy the submitted draft onto the report (never its status or snapshot)."""
        report.period_start = self.period_start.data
        report.period_end = self.period_end.data
        for name in self.rating_names():
            setattr(report, name, self[name].data or None)
        report.confidence_justification = (self.confidence_justification.data or "").strip()
        for name in self.section_names():
            setattr(report, name, (self[name].data or "").strip())


class NewReportForm(PmoForm):
    """Start a report: which kind and which period (the sections are then pre-filled)."""

    kind = RadioField("Kind of report", choices=select_choices(REPORT_KINDS), widget=GovRadioInput(),
                      validators=[InputRequired("Select the kind of report")],
                      invalid_choice_message="Select the kind of report")
    period_start = GovDateField("Period start", validators=[DateRequired("Enter the date the period starts")],
                                description="For example, 1 10 2026")
    period_end = GovDateField("Period end", validators=[DateRequired("Enter the date the period ends")],
                              description="For example, 31 10 2026")
    submit = SubmitField("Start the report", widget=GovSubmitInput())

    validate_period_end = ReportForm.validate_period_end


class IssueForm(VersionedForm, PmoForm):
    """Issue a draft: the button carries the version seen, so a report changed since is not issued."""

    submit = SubmitField("Issue this report", widget=GovSubmitInput())
    # "yes" from the confirmation step (reports/issue_confirm.html): issuing cannot be undone.
    confirmed = HiddenField("Confirmed", validators=[Optional()])


class ConfidenceScaleForm(VersionedForm, PmoForm):
    """The admin's choice of delivery confidence scale (docs/rules.md 7)."""

    scale = RadioField("Delivery confidence scale", choices=select_choices(CONFIDENCE_SCALES),
                       widget=GovRadioInput(), validators=[InputRequired("Select a scale")],
                       invalid_choice_message="Select a scale from the list",
                       description="Ratings already recorded on five points are shown on three points as "
                                   "Green, Amber (Amber/Green, Amber and Amber/Red) or Red.")
    submit = SubmitField("Save the scale", widget=GovSubmitInput())

    def saved_values(self, rows) -> dict:
        row = rows[0]
        return {"scale": json.loads(row.value_json) if row else CONFIDENCE_SCALES[0][0]}
