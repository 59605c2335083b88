"""Forms of the import steps: the file, the column mapping, and the final confirmation."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput
from wtforms import SelectChoice, SelectField, SubmitField

from ..forms import PmoForm
from .fields import REQUIRED, TARGET_BY_NAME, TARGETS
from .reading import MAX_ROWS, size_limit

SKIP = ""
MAPPING_CHOICES = [SelectChoice(SKIP, "Do not import")] + [
    SelectChoice(target.name, f"{target.label} (required)" if target.required else target.label)
    for target in TARGETS]


class UploadForm(PmoForm):
    """Choose the tracker file."""

    tracker = FileField("Upload a file", widget=GovFileInput(),
                        description=f"A CSV or XLSX file, smaller than {size_limit()}, "
                                    f"with at most {MAX_ROWS:,} rows. The first row must name the columns.",
                        validators=[FileRequired("Select a CSV or XLSX file")])
    upload = SubmitField("Upload and continue", widget=GovSubmitInput())


class MappingForm(PmoForm):
    """One select per column of the file, built for the file's headings (`for_headings`)."""

    confirm = SubmitField("Save and preview", widget=GovSubmitInput())

    @classmethod
    def for_headings(cls, headings: list[str], mapping: dict[str, str], **kwargs) -> MappingForm:
        """A form class with a select per heading, pre-filled from `mapping`, instantiated."""
        attributes = {
            f"column_{index}": SelectField(heading, widget=GovSelect(), choices=MAPPING_CHOICES,
                                           default=mapping.get(str(index), SKIP))
            for index, heading in enumerate(headings)}
        form_class = type("FileMappingForm", (cls,), attributes)
        form = form_class(**kwargs)
        form.headings = headings
        return form

    @property
    def columns(self):
        return [self[f"column_{index}"] for index in range(len(self.headings))]

    @property
    def mapping(self) -> dict[str, str]:
        """{column index as text: target name} of the columns to import."""
        return {str(index): field.data for index, field in enumerate(self.columns) if field.data != SKIP}

    def validate(self, extra_validators=None) -> bool:
        """Each field mapped from one column at most, and every required field mapped."""
        if not super().validate(extra_validators):
            return False
        owners: dict[str, str] = {}
        for field in self.columns:
            if field.data == SKIP:
                continue
            if field.data in owners:
                field.errors.append(f"{TARGET_BY_NAME[field.data].label} is already imported from "
                                    f"\"{owners[field.data]}\": choose one column for it")
            owners.setdefault(field.data, field.label.text)
        missing = [target.label for target in REQUIRED if target.name not in owners]
        if missing:
            # On the first select: the error summary links there, and any column may be chosen.
            self.columns[0].errors.append(f"Choose the column to import {', '.join(missing)} from: "
                                          f"{'they are' if len(missing) > 1 else 'it is'} required")
        return not any(field.errors for field in self.columns)


class RunForm(PmoForm):
    """The last step: import everything checked on the preview."""

    run = SubmitField("Import", widget=GovSubmitInput())

