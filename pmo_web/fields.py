"""WTForms fields and helpers that every area's forms share.

GOV.UK date inputs (day, month and year boxes), amounts in pounds as people type them,
and the small coercions select fields need. The rules every field gets whatever its kind
(lengths, digits, file parts) are in pmo_web/forms.py.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextInput
from wtforms import DateField, DecimalField, SelectChoice
from wtforms.validators import NumberRange, Optional, StopValidation, ValidationError


class GovDateField(DateField):
    """A date typed as day, month and year boxes (the GOV.UK date input).

    All three boxes empty means no date; a partly filled or impossible date is an error
    rather than a silent blank.
    """

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", **kwargs)

    def process_formdata(self, valuelist):
        # The widget redraws exactly three boxes from raw_data; a post that left them out
        # (not one a browser sends) is treated as three empty boxes, not a crash.
        if len(valuelist) != 3:
            self.raw_data = valuelist = ["", "", ""]
        parts = [part.strip() for part in valuelist]
        if not any(parts):
            self.data = None
            return
        if len(parts) != 3 or not all(parts):
            self.data = None
            raise ValueError(f"{self.label.text} must include a day, month and year")
        if len(parts[2]) != 4:
            self.data = None
            raise ValueError(f"{self.label.text}: the year must have 4 numbers")
        super().process_formdata(parts)


class DateRequired:
    """A GovDateField must have a date. Unlike InputRequired, which looks only at the day
    box, this keeps the more precise message of a partly filled date."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.data is None and not field.errors:
            raise StopValidation(self.message)


class NotInFuture:
    """The date must be today or earlier: an actual date records something that happened."""

    def __call__(self, form, field):
        if field.data and field.data > date.today():
            raise ValidationError(f"{field.label.text} must be today or in the past")


# The largest amount the Numeric(14, 2) budget and benefit columns hold.
LARGEST_AMOUNT = Decimal("999999999999.99")


class MoneyField(DecimalField):
    """An amount in pounds; accepts the £ sign and thousands separators people type."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        validators = [Optional(), NumberRange(min=0, max=LARGEST_AMOUNT,
                                              message=f"{label} must be £0 or more, up to £999,999,999,999"),
                      *(validators or [])]
        super().__init__(label, validators, places=2,
                         invalid_value_message=f"{label} must be an amount in pounds, like 125000 or 125,000.50",
                         **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        typed = valuelist[0].replace("£", "").replace(",", "").strip()
        if not typed:
            self.data = None
            return
        super().process_formdata([typed])
        # Decimal() also reads "NaN" and "Infinity", which are no amount of money.
        if not self.data.is_finite():
            self.data = None
            raise ValueError(self.invalid_value_message)
        if self.data.as_tuple().exponent < -2:
            raise ValueError(f"{self.label.text} can have at most 2 decimal places (pence)")


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs, such as the models' code lists, as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


# More digits than any number in the service has (ids, years, weights, pence): a 19-digit
# number no longer fits the database's integers, and int() of thousands of digits is slow.
MOST_DIGITS = 18
ASCII_WHOLE_NUMBER = re.compile(rf"[0-9]{{1,{MOST_DIGITS}}}")


def whole_number(value) -> int:
    """int() for a number sent in a form or an address: the digits 0 to 9 only (Python's
    int() also reads other scripts' digits, signs, spaces and underscores), at most
    MOST_DIGITS of them. ValueError otherwise, as int() raises."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str) or not ASCII_WHOLE_NUMBER.fullmatch(value.strip()):
        raise ValueError(f"not a whole number written with the digits 0 to 9: {value!r:.40}")
    return int(value)


def optional_id(value) -> int | None:
    """Coerce a select's value: the empty choice means none (WTForms may echo it as "None")."""
    return whole_number(value) if value not in (None, "", "None") else None


def money_params(hint: str = "") -> dict:
    """Render params for a MoneyField: a £ prefix and a width that fits millions."""
    return {"prefix": {"text": "£"}, "classes": "govuk-input--width-10", "spellcheck": False,
            "attributes": {"inputmode": "decimal"}, **({"hint": {"text": hint}} if hint else {})}
