"""GOV.UK tag colours for lifecycle states: the templates' `state_tag_class` filter and the
Python that builds rows for them (My work) read the same table."""

STATE_TAGS = {
    "draft": "govuk-tag--grey", "submitted": "govuk-tag--light-blue", "triage": "govuk-tag--blue",
    "info_requested": "govuk-tag--yellow", "scoring": "govuk-tag--purple",
    "business_case": "govuk-tag--turquoise", "delivery": "govuk-tag--green",
    "on_hold": "govuk-tag--orange", "benefits_review": "govuk-tag--pink",
    "closed": "govuk-tag--grey", "rejected": "govuk-tag--red", "withdrawn": "govuk-tag--grey",
    "cancelled": "govuk-tag--red", "merged": "govuk-tag--grey",
}


def state_tag_class(state: str) -> str:
    """GOV.UK tag colour class for a lifecycle state."""
    return STATE_TAGS.get(state, "")
