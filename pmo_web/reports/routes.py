"""Highlight and exception reports of an initiative, and the confidence-scale setting.

Everyone who may see an initiative reads its reports. The PMO, admins and the initiative's
own delivery manager start, edit and issue them while the initiative is in delivery, on
hold or benefits review. A draft is pre-filled from the delivery record, the RAID log and
the lessons log; issuing freezes it with those facts as they stood (see facts.py). An issued
report is read-only, and shows each rating beside the previous issued report's.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workflows import editing

from .. import access, concurrency
from ..extensions import db
from ..htmx import render
from ..models import HighlightReport, Initiative, Setting
from ..models.initiatives import CONFIDENCE_MEANINGS
from ..models.reports import (
    DIMENSIONS,
    SCALE_SETTING,
    confidence_label,
    confidence_levels,
    confidence_rank,
    confidence_scale,
    forget_confidence_scale,
    shown_confidence,
)
from .blueprint import bp
from .facts import REPORT_STATES, facts_for, prefill, tolerance_breaches
from .forms import ConfidenceScaleForm, IssueForm, NewReportForm, ReportForm

RATINGS = (("overall_confidence", "Overall delivery confidence"),
           *((f"rag_{key}", label) for key, label in DIMENSIONS))


@bp.app_template_global()
def exception_prompt_breaches(initiative: Initiative) -> list[str]:
    """The tolerance breaches to prompt an exception report for (none outside reporting states)."""
    return tolerance_breaches(initiative) if initiative.state in REPORT_STATES else []


bp.add_app_template_global(shown_confidence)
bp.add_app_template_global(confidence_label)
bp.add_app_template_global(confidence_scale)


def is_writer(initiative: Initiative) -> bool:
    """The PMO, admins and the initiative's own delivery manager (whatever their role)."""
    return access.can_manage(current_user) or initiative.manager_id == current_user.id


@bp.app_template_global("may_write_reports")
def can_write(initiative: Initiative) -> bool:
    """True when the signed-in user may start and change this initiative's reports now
    (what check_may_write asks: a link to write one is shown only then)."""
    return is_writer(initiative) and initiative.state in REPORT_STATES


def check_may_write(initiative: Initiative, report: HighlightReport | None = None) -> None:
    """403 for readers; 409 outside the reporting states, or for a report already issued."""
    if not is_writer(initiative):
        abort(403)
    editing.require("highlight_report", initiative.state, frozen=report is not None and report.is_issued)


def report_or_404(initiative: Initiative, report_id: int) -> HighlightReport:
    """One report of this initiative; 404 for a report of any other."""
    report = db.session.get(HighlightReport, report_id)
    if report is None or report.initiative_id != initiative.id:
        abort(404)
    return report


def previous_issued(report: HighlightReport) -> HighlightReport | None:
    """The latest issued report of an earlier period (ended before this one starts), for
    "this period against last"; an exception report of the same month is not "last period"."""
    return db.session.scalar(
        select(HighlightReport).where(
            HighlightReport.initiative_id == report.initiative_id, HighlightReport.status == "issued",
            HighlightReport.period_end < report.period_start)
        .order_by(HighlightReport.period_end.desc(), HighlightReport.id.desc()).limit(1))


def trend(now: str | None, before: str | None) -> tuple[str, str]:
    """(arrow, words) comparing two ratings on the active scale; the words carry the meaning."""
    this, last = confidence_rank(now), confidence_rank(before)
    if this is None or last is None:
        return "", "No comparison" if this is not None else "Not rated"
    if this < last:
        return "↑", "Better"
    if this > last:
        return "↓", "Worse"
    return "→", "Same"


def comparison(report: HighlightReport, previous: HighlightReport | None) -> list[dict]:
    """One row per rating: this period, last period and the trend between them."""
    rows = []
    for name, label in RATINGS:
        now = getattr(report, name)
        before = getattr(previous, name) if previous else None
        arrow, words = trend(now, before)
        rows.append({"label": label, "now": shown_confidence(now), "before": shown_confidence(before),
                     "arrow": arrow, "trend": words})
    return rows


def missing_for_issue(report: HighlightReport) -> list[str]:
    """What a draft still needs before it can be issued: every rating, and a justification."""
    missing = [f"Give a rating for {label.lower()}" for name, label in RATINGS if not getattr(report, name)]
    if report.overall_confidence and not report.confidence_justification.strip():
        missing.append("Give a justification for the overall confidence rating")
    if report.is_exception:
        missing += [f"Write the {label.lower()}" for name, label in (("cause", "Cause of the exception"),
                                                                    ("recommendation", "Recommendation"))
                    if not getattr(report, name).strip()]
    return missing


def issued_twin(report: HighlightReport) -> HighlightReport | None:
    """The exception report already issued for this one's initiative and period, if any: a
    second may not be issued (the database's uq_highlight_reports_one_issued_exception holds
    it under concurrency too)."""
    if not report.is_exception:
        return None
    return db.session.scalar(select(HighlightReport).where(
        HighlightReport.initiative_id == report.initiative_id, HighlightReport.kind == "exception",
        HighlightReport.status == "issued", HighlightReport.period_start == report.period_start,
        HighlightReport.period_end == report.period_end, HighlightReport.id != report.id))


def show_page(initiative: Initiative, report: HighlightReport, status: int = 200, **context):
    """The report as it reads (and prints): ratings against last period, facts, sections."""
    previous = previous_issued(report)
    facts = report.snapshot if report.is_issued else facts_for(initiative, report.period_start, report.period_end)
    context.setdefault("issue_form", IssueForm(formdata=None, data={"version": concurrency.token(report)}))
    if not report.is_issued:
        context.setdefault("twin", issued_twin(report))
    return render("reports/show.html", status=status, initiative=initiative, report=report, previous=previous,
                  comparison=comparison(report, previous), facts=facts, can_write=can_write(initiative),
                  **context)


@bp.get("/initiatives/<int:initiative_id>/reports")
@login_required
def index(initiative_id: int):
    """The initiative's reports: drafts, then issued reports newest first, each against the one before."""
    initiative = access.initiative_or_404(initiative_id)
    reports = db.session.scalars(
        select(HighlightReport).where(HighlightReport.initiative_id == initiative.id)
        .options(selectinload(HighlightReport.issued_by))
        .order_by(HighlightReport.period_end.desc(), HighlightReport.id.desc())).all()
    drafts = [report for report in reports if not report.is_issued]
    issued = [report for report in reports if report.is_issued]
    # The list is newest first: each report's previous one is the first after it of an earlier period.
    issued_rows = []
    for n, report in enumerate(issued):
        previous = next((older for older in issued[n + 1:] if older.period_end < report.period_start), None)
        issued_rows.append({"report": report, "previous": previous, "comparison": comparison(report, previous)})
    return render("reports/index.html", initiative=initiative, drafts=drafts, issued=issued_rows,
                  can_write=can_write(initiative), reporting=initiative.state in REPORT_STATES)


def _last_month() -> tuple[date, date]:
    """The calendar month before this one: the usual highlight reporting period."""
    end = date.today().replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


@bp.route("/initiatives/<int:initiative_id>/reports/new", methods=["GET", "POST"])
@login_required
def new(initiative_id: int):
    """Start a report for a period; its sections are pre-filled from the records, then edited."""
    initiative = access.initiative_or_404(initiative_id)
    check_may_write(initiative)
    start, end = _last_month()
    kind = "exception" if request.args.get("kind") == "exception" else "highlight"
    form = NewReportForm(data={"kind": kind, "period_start": start, "period_end": end})
    if form.validate_on_submit():
        report = HighlightReport(initiative_id=initiative.id, kind=form.kind.data, created_by_id=current_user.id,
                                 period_start=form.period_start.data, period_end=form.period_end.data,
                                 overall_confidence=shown_confidence(initiative.delivery_confidence),
                                 confidence_justification=initiative.confidence_justification)
        facts = facts_for(initiative, report.period_start, report.period_end)
        for name, text in prefill(facts).items():
            setattr(report, name, text)
        if report.is_exception:
            report.breach = "\n".join(facts["breaches"])
        db.session.add(report)
        db.session.commit()
        flash(f"{report.kind_label} started from the delivery record, RAID log and lessons. "
              "Check and complete each section.", "success")
        return redirect(url_for(".edit", initiative_id=initiative.id, report_id=report.id), 303)
    return render("reports/new.html", status=422 if form.is_submitted() else 200,
                  initiative=initiative, form=form)


@bp.get("/initiatives/<int:initiative_id>/reports/<int:report_id>")
@login_required
def show(initiative_id: int, report_id: int):
    """One report, ready to print; an issued one shows the facts frozen when it was issued."""
    initiative = access.initiative_or_404(initiative_id)
    return show_page(initiative, report_or_404(initiative, report_id))


@bp.route("/initiatives/<int:initiative_id>/reports/<int:report_id>/edit", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int, report_id: int):
    """Edit a draft report; the live facts are shown beside the form."""
    initiative = access.initiative_or_404(initiative_id)
    report = report_or_404(initiative, report_id)
    check_may_write(initiative, report)
    form = ReportForm(obj=report, exception=report.is_exception)
    conflict = None
    if form.validate_on_submit():
        conflict = concurrency.save(form, [report], lambda: form.apply_to(report))
        if conflict is None:
            flash("Draft saved", "success")
            return redirect(url_for(".show", initiative_id=initiative.id, report_id=report.id), 303)
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return render("reports/edit.html", status=status, initiative=initiative, report=report, form=form,
                  conflict=conflict, facts=facts_for(initiative, report.period_start, report.period_end),
                  levels=confidence_levels(), confidence_meanings=CONFIDENCE_MEANINGS)


@bp.post("/initiatives/<int:initiative_id>/reports/<int:report_id>/issue")
@login_required
def issue(initiative_id: int, report_id: int):
    """Issue a draft: it becomes read-only, with today's facts frozen into it."""
    initiative = access.initiative_or_404(initiative_id)
    report = report_or_404(initiative, report_id)
    check_may_write(initiative, report)
    form = IssueForm()
    missing = missing_for_issue(report)
    if not form.validate_on_submit() or missing:
        return show_page(initiative, report, 422, issue_form=form, missing=missing)
    if (twin := issued_twin(report)) is not None:
        return show_page(initiative, report, 409, issue_form=form, twin=twin, twin_refused=True)
    if form.confirmed.data != "yes" and concurrency.submitted_token(form) == concurrency.token(report):
        # Issuing cannot be undone: ask first, on a page of its own (a draft changed since the
        # page was drawn is a conflict straight away, below).
        return render("reports/issue_confirm.html", initiative=initiative, report=report, issue_form=form)
    facts = facts_for(initiative, report.period_start, report.period_end)
    # Unconfirmed here only when stale: save then refuses it as a conflict, changing nothing.
    conflict = concurrency.save(form, [report], lambda: report.freeze(facts, current_user))
    if conflict is not None:
        # Issued at the same moment as another exception report of the period: the database's
        # one-issued-exception index kept the other, which is what the user is told.
        if (twin := issued_twin(report)) is not None:
            return show_page(initiative, report, 409, issue_form=form, twin=twin, twin_refused=True)
        return show_page(initiative, report, 409, issue_form=form, conflict=conflict)
    flash(f"{report.kind_label} for {report.period_text} issued", "success")
    return redirect(url_for(".show", initiative_id=initiative.id, report_id=report.id), 303)


@bp.route("/admin/confidence-scale", methods=["GET", "POST"])
@access.roles_required("admin")
def confidence_scale_setting():
    """The admin's choice of delivery confidence scale: five-point (default) or three-point."""
    rows = [db.session.get(Setting, SCALE_SETTING)]
    form = ConfidenceScaleForm(data={"scale": confidence_scale(), "version": concurrency.token(*rows)})
    conflict = None
    if form.validate_on_submit():
        conflict = concurrency.save(form, rows, lambda: Setting.put(SCALE_SETTING, form.scale.data),
                                    reload=lambda: [db.session.get(Setting, SCALE_SETTING)])
        if conflict is None:
            forget_confidence_scale()
            flash("Delivery confidence scale saved", "success")
            return redirect(url_for(".confidence_scale_setting"), 303)
    status = 409 if conflict else 422 if form.is_submitted() else 200
    return render("reports/confidence_scale.html", status=status, form=form, conflict=conflict)
