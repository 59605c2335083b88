"""The base of every form in the service, and the input rules no form can forget.

Every form derives from `PmoForm` (a page's form, with its CSRF token) or, for the rows of
a `FieldList(FormField(...))`, from `PmoSubform`. Their Meta applies these rules to every
field as it is bound, so a field added tomorrow has them without anyone remembering:

- **File parts go only to file fields.** Flask-WTF would hand a file sent under a text
  field's name to that field, which then holds a FileStorage where a string belongs. Here
  a form sees the posted text fields, and files only under the names of its FileFields;
  anything else is as if it had not been sent. A JSON body is no form post: ignored.
- **Whole numbers and amounts** are written with the digits 0 to 9 (Python would also read
  Arabic-Indic and other digits, and `1_000`) and have at most MOST_DIGITS digits: a
  309-digit number overflows WTForms' range check, a 4,301-digit one Python's int().
- **Text** a person types is at most LINE_LENGTH characters on one line, TEXT_LENGTH in a
  text box, unless the field sets its own Length; loses any bidirectional embedding,
  override or isolate controls (which make text display in another order than it is
  stored, and are never typed on purpose); and, unless blank, must show something: a
  letter, number, punctuation mark or symbol, not only invisible characters.

Hidden fields (machinery) and passwords (kept exactly as typed) get the length rule only.
"""
from __future__ import annotations

import re
import unicodedata

from flask import has_request_context, request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto as FROM_THE_REQUEST  # the default formdata: "read the request"
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import (
    DecimalField,
    FileField,
    FloatField,
    Form,
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, StopValidation

from .fields import MOST_DIGITS

LINE_LENGTH = 250
TEXT_LENGTH = 20_000

# U+202A-U+202E (embeddings, overrides, the pop) and U+2066-U+2069 (isolates), for str.translate.
DIRECTION_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
# Letters, numbers, punctuation and symbols show on screen; marks, separators and
# format or control characters do not on their own.
VISIBLE_CATEGORIES = frozenset("LNPS")

WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")
AMOUNT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def name_of(field) -> str:
    """The field's label for a message, without the "(optional)" some labels end with."""
    return field.label.text.removesuffix(" (optional)").strip()


def without_direction_controls(value):
    """The text with its bidirectional embedding, override and isolate controls removed."""
    return value.translate(DIRECTION_CONTROLS) if isinstance(value, str) else value


class AtMost:
    """Text of at most `most` characters; longer text stops the field's other checks."""

    def __init__(self, most: int):
        self.most = most

    def __call__(self, form, field):
        if isinstance(field.data, str) and len(field.data) > self.most:
            raise StopValidation(f"{name_of(field)} must be {self.most:,} characters or fewer")


class ShowsSomething:
    """Text that is not blank must contain something a reader can see."""

    def __call__(self, form, field):
        text = field.data
        if not isinstance(text, str) or not text.strip():
            return  # blank: the field's own Optional or InputRequired decides
        if not any(unicodedata.category(character)[0] in VISIBLE_CATEGORIES for character in text):
            raise StopValidation(f"{name_of(field)} must include letters, numbers or punctuation, "
                                 "not only spaces or invisible characters")


class WrittenAsNumber:
    """A number as typed: the digits 0 to 9 only, and at most MOST_DIGITS of them.

    Runs before the field's range check, which a huge number would overflow. Text that is
    not a number at all keeps the field's own message."""

    def __init__(self, pattern: re.Pattern, ignored: str = ""):
        self.pattern, self.ignored = pattern, ignored

    def __call__(self, form, field):
        typed = field.raw_data[0] if field.raw_data else ""
        if not isinstance(typed, str):
            return
        for character in self.ignored:
            typed = typed.replace(character, "")
        typed = typed.strip()
        if not typed:
            return
        if sum(character.isdigit() for character in typed) > MOST_DIGITS:
            problem = _range_message(field) or f"{name_of(field)} must have at most {MOST_DIGITS} digits"
        elif not self.pattern.fullmatch(typed) and (
                field.data is not None or any(c.isdigit() and not c.isascii() for c in typed)):
            problem = f"{name_of(field)} must be written with the digits 0 to 9"
        else:
            return
        field.errors[:] = []
        raise StopValidation(problem)


def _range_message(field) -> str | None:
    """The message of the field's own range check, which says what a sensible value is."""
    return next((v.message for v in field.validators if isinstance(v, NumberRange) and v.message), None)


def _rules_for(field) -> tuple[list, tuple]:
    """(validators to run first, filters to run first) for a newly bound field."""
    if isinstance(field, IntegerField):
        return [WrittenAsNumber(WHOLE_NUMBER)], ()
    if isinstance(field, (DecimalField, FloatField)):
        return [WrittenAsNumber(AMOUNT, ignored="£,")], ()
    if not isinstance(field, StringField):
        return [], ()
    limited = any(isinstance(v, Length) and v.max >= 0 for v in field.validators)
    length = [] if limited else [AtMost(TEXT_LENGTH if isinstance(field, TextAreaField) else LINE_LENGTH)]
    if isinstance(field, (HiddenField, PasswordField)):
        return length, ()
    return [*length, ShowsSomething()], (without_direction_controls,)


class InputRules:
    """Meta of PmoForm and PmoSubform (WTForms merges it with the form's other Metas)."""

    def bind_field(self, form, unbound_field, options):
        """Bind the field as WTForms does, then put the rules for its kind first in line."""
        field = super().bind_field(form, unbound_field, options)
        validators, filters = _rules_for(field)
        if validators:
            field.validators = [*validators, *field.validators]
        if filters:
            field.filters = (*filters, *field.filters)
        return field

    def wrap_formdata(self, form, formdata):
        """What the form reads: the posted fields, and file parts only for its FileFields."""
        if formdata is not FROM_THE_REQUEST:
            return super().wrap_formdata(form, formdata)  # given: a query string, a row's share
        if not has_request_context() or not form.is_submitted():
            return None
        # Where Flask-WTF would take request.form with every file part, or a JSON body.
        file_fields = {field.name for field in form if isinstance(field, FileField)}
        files = [(name, part) for name, part in request.files.items(multi=True) if name in file_fields]
        if files:
            return CombinedMultiDict([MultiDict(files), request.form])
        return request.form or None  # nothing posted: as Flask-WTF, the form keeps its data


class PmoForm(FlaskForm):
    """A form of the service: Flask-WTF's (CSRF included) with the input rules above."""

    Meta = InputRules

    def status(self, conflict=None) -> int:
        """The HTTP status of a page drawing this form: 409 when someone else saved first
        (`conflict`), 422 when a submission was refused, else 200."""
        return 409 if conflict else 422 if self.is_submitted() else 200


class PmoSubform(Form):
    """A row of a PmoForm (in a FieldList of FormFields): the same rules, no CSRF of its own."""

    Meta = InputRules
