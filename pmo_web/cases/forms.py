"""The business case form: the five cases and the repeating rows (options, costs, benefits, risks).

Rows are WTForms sub-forms in FieldLists. A row left completely blank is ignored (the page
always offers an empty one to fill in); a row filled in part is an error, so nothing a
user typed is silently dropped.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import (
    BooleanField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, StopValidation, ValidationError

from ..benefits.register import financial_year, financial_year_label
from ..fields import optional_id
from ..forms import PmoForm, PmoSubform
from ..models.cases import (
    BENEFIT_CATEGORIES,
    COST_CATEGORIES,
    COST_NATURES,
    FIVE_CASES,
    BusinessCase,
    CaseBenefit,
    CaseCost,
    CaseOption,
    CaseRisk,
)

# What each case must answer, after HM Treasury's Green Book five-case model.
CASE_HINTS = {
    "strategic_case": "Is there a compelling case for change? Describe the current position, the "
                      "problem, the objectives (SMART), the strategic priorities it serves and "
                      "what is in and out of scope.",
    "economic_case": "Does it give the best public value? Summarise the long list of options, "
                     "why the short list was chosen, the costs, benefits and risks of each and why "
                     "the preferred option is best value.",
    "commercial_case": "Is it commercially viable? Explain how it will be bought (framework, "
                       "tender, in-house), the contract and payment terms, and how risk is shared "
                       "with suppliers.",
    "financial_case": "Is it affordable? Set out the capital and revenue needed by financial year, "
                      "where the money comes from, and the effect on the force's budget.",
    "management_case": "Can it be delivered? Describe the governance, the senior responsible owner, "
                       "the plan and milestones, resourcing, risk management and how benefits "
                       "will be realised and evaluated.",
}
MAX_ROWS = 50
# Display names of the coded values, for the read-only view.
LABELS = {
    "five_cases": FIVE_CASES,
    "cost_category": dict(COST_CATEGORIES),
    "cost_nature": dict(COST_NATURES),
    "benefit_category": dict(BENEFIT_CATEGORIES),
}


def _choices(pairs) -> list[SelectChoice]:
    """A select's options with an empty first choice, so a blank row stays blank."""
    return [SelectChoice("", "Choose")] + [SelectChoice(value, label) for value, label in pairs]


class RowRequired:
    """Like InputRequired, but without the HTML `required` flag: blank rows may be left empty."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        # Judged on what was typed, so "lots" in an amount keeps its own, clearer message.
        if field.raw_data and any(str(value).strip() for value in field.raw_data):
            return
        field.errors[:] = []
        raise StopValidation(self.message)


class PoundsField(DecimalField):
    """An amount in pounds; accepts what people type: '£25,000', '25000', '1,250.50'."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        cleaned = valuelist[0].strip().replace("£", "").replace(",", "")
        try:
            self.data = Decimal(cleaned)
        except InvalidOperation as exc:
            self.data = None
            raise ValueError("Enter an amount in pounds, like 25,000") from exc


class CaseRow(PmoSubform):
    """A repeating row; a blank row is valid and ignored, a partly filled one is checked."""

    def is_blank(self) -> bool:
        return not any(field.raw_data and any(str(v).strip() for v in field.raw_data) for field in self)

    def validate(self, extra_validators=None):
        if self.is_blank():
            return True
        return super().validate(extra_validators)


class OptionRow(CaseRow):
    name = StringField("Option name", validators=[RowRequired("Enter a name for the option"), Length(max=200)],
                       widget=GovTextInput())
    description = TextAreaField("Description", widget=GovTextArea(),
                                description="What the option involves, its main costs, benefits and risks.")
    preferred = BooleanField("This is the preferred option", widget=GovCheckboxInput())


# Financial years a cost may fall in: a few back (work already paid for) and a long way on
# (a building's appraisal period), counted from the year today is in.
YEARS_BACK, YEARS_ON = 3, 15


def financial_year_choices() -> list[SelectChoice]:
    """The financial years a cost line offers, "2026/27" and so on, with an empty first choice."""
    this_year = financial_year(date.today())
    return _choices((year, financial_year_label(year)) for year in range(this_year - YEARS_BACK,
                                                                         this_year + YEARS_ON + 1))


class CostRow(CaseRow):
    description = StringField("What the cost is for",
                              validators=[RowRequired("Enter what the cost is for"), Length(max=200)],
                              widget=GovTextInput())
    category = SelectField("Capital or revenue", choices=_choices(COST_CATEGORIES),
                           validators=[RowRequired("Choose capital or revenue")], widget=GovSelect(),
                           description="Capital buys or builds assets; revenue pays for running costs. Any "
                                       "capital cost makes the case capital-funded at Gate 2.")
    nature = SelectField("One-off or recurring", choices=_choices(COST_NATURES),
                         validators=[RowRequired("Choose one-off or recurring")], widget=GovSelect())
    financial_year = SelectField("Financial year", coerce=optional_id, widget=GovSelect(),
                                 validators=[RowRequired("Choose the financial year of the cost")],
                                 description="April to March. A one-off cost falls in this year; a "
                                             "recurring cost starts in it.")
    amount = PoundsField("Amount", validators=[RowRequired("Enter the amount in pounds")],
                         widget=GovTextInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.financial_year.choices = financial_year_choices()

    def validate_amount(self, field):
        if field.data is not None and field.data <= 0:
            raise ValidationError("The amount must be more than £0")


class BenefitRow(CaseRow):
    name = StringField("Benefit", validators=[RowRequired("Enter the benefit"), Length(max=200)],
                       widget=GovTextInput())
    category = SelectField("Category", choices=_choices(BENEFIT_CATEGORIES),
                           validators=[RowRequired("Choose the benefit's category")], widget=GovSelect())
    measure = StringField("How it will be measured", validators=[RowRequired("Enter how the benefit will be measured"),
                                                                  Length(max=200)],
                          widget=GovTextInput(), description="For example, officer hours per month.")
    target = StringField("Target", validators=[RowRequired("Enter the target"), Length(max=120)],
                         widget=GovTextInput(), description="For example, 400 hours a month by March 2028.")
    financial_value = PoundsField("Financial value per year (optional)", widget=GovTextInput())

    def validate_financial_value(self, field):
        if field.data is not None and field.data < 0:
            raise ValidationError("The financial value cannot be negative; record a dis-benefit instead")


class RiskRow(CaseRow):
    description = TextAreaField("Risk", validators=[RowRequired("Describe the risk")], widget=GovTextArea(),
                                description="Cause, event and effect: because of…, there is a risk that…, "
                                            "which would lead to…")
    mitigation = TextAreaField("Mitigation", widget=GovTextArea())


# The repeating sections, in page order: key -> (row form, model, singular noun, heading).
ROW_KINDS = {
    "options": (OptionRow, CaseOption, "option", "Options"),
    "costs": (CostRow, CaseCost, "cost", "Costs"),
    "benefits": (BenefitRow, CaseBenefit, "benefit", "Planned benefits"),
    "risks": (RiskRow, CaseRisk, "risk", "Key risks"),
}


def blank_row(kind: str, index: int) -> CaseRow:
    """One empty row named like entry `index` of the form's list, for the add-another fragment."""
    row_form = ROW_KINDS[kind][0]
    return row_form(prefix=f"{kind}-{index}-")


class BusinessCaseForm(PmoForm):
    """One save of the business case, which becomes a new version."""

    # The version the author started from: a newer one on save means someone else saved meanwhile.
    base_version = HiddenField()
    strategic_case = TextAreaField("Strategic case", description=CASE_HINTS["strategic_case"], widget=GovTextArea())
    economic_case = TextAreaField("Economic case", description=CASE_HINTS["economic_case"], widget=GovTextArea())
    commercial_case = TextAreaField("Commercial case", description=CASE_HINTS["commercial_case"], widget=GovTextArea())
    financial_case = TextAreaField("Financial case", description=CASE_HINTS["financial_case"], widget=GovTextArea())
    management_case = TextAreaField("Management case", description=CASE_HINTS["management_case"], widget=GovTextArea())
    appraisal_years = IntegerField(
        "Appraisal period in years", default=5, widget=GovTextInput(),
        description="Whole-life cost counts recurring costs for this many years. Five is usual for "
                    "technology; buildings may need 10 or more.",
        validators=[InputRequired("Enter the appraisal period in years"),
                    NumberRange(min=1, max=60, message="The appraisal period must be between 1 and 60 years")])
    options = FieldList(FormField(OptionRow), min_entries=1, max_entries=MAX_ROWS)
    costs = FieldList(FormField(CostRow), min_entries=1, max_entries=MAX_ROWS)
    benefits = FieldList(FormField(BenefitRow), min_entries=1, max_entries=MAX_ROWS)
    risks = FieldList(FormField(RiskRow), min_entries=1, max_entries=MAX_ROWS)
    save = SubmitField("Save as a new version", widget=GovSubmitInput())

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        preferred = [entry.form.preferred for entry in self.options
                     if not entry.form.is_blank() and entry.form.preferred.data]
        if len(preferred) > 1:
            for extra in preferred[1:]:
                extra.errors = ["Only one option can be preferred"]
            # The list keeps copies of its rows' errors from validation; refresh them.
            self.options.errors = [entry.errors for entry in self.options]
            valid = False
        return valid

    def add_blank_row(self, kind: str) -> bool:
        """Add an empty row to one section (the no-JavaScript 'add another'); False if unknown or full."""
        rows = getattr(self, kind, None) if kind in ROW_KINDS else None
        if rows is None or len(rows) >= MAX_ROWS:
            return False
        rows.append_entry()
        return True

    def to_case(self, initiative_id: int, author_id: int, version: int) -> BusinessCase:
        """A new BusinessCase version built from this (validated) form; blank rows are left out."""
        case = BusinessCase(
            initiative_id=initiative_id, version=version, author_id=author_id,
            appraisal_years=self.appraisal_years.data,
            **{name: (getattr(self, name).data or "").strip() for name in CASE_HINTS},
        )
        for kind, (_row_form, model, _noun, _heading) in ROW_KINDS.items():
            rows = [entry.form for entry in getattr(self, kind) if not entry.form.is_blank()]
            setattr(case, kind, [model(**_row_values(row)) for row in rows])
        return case


def _row_values(row: CaseRow) -> dict:
    return {name: (field.data.strip() if isinstance(field.data, str) else field.data)
            for name, field in row._fields.items()}


def form_data_of(case: BusinessCase | None) -> dict:
    """The form's starting values: the current version's text and rows, or an empty case."""
    if case is None:
        return {"base_version": "0"}
    data = {name: getattr(case, name) for name in CASE_HINTS}
    data.update(base_version=str(case.version), appraisal_years=case.appraisal_years)
    for kind, (row_form, _model, _noun, _heading) in ROW_KINDS.items():
        data[kind] = [{name: getattr(child, name) for name in row_form()._fields}
                      for child in getattr(case, kind)]
    return data
