"""What a notice served under an agreement names, per language (issue 11 item 14).

The authorities with their articles ("the authorities of the United States", "las autoridades
de los Estados Unidos"), the office that issues notices, its address and the place notices are
signed, the appeal body, the legal-aid provider and the monitor, with their contacts: set per
agreement by its administrator (`services.agreement_notice_settings_set`), read by the notices.
A notice in a language these texts lack is refused, never filled with an English placeholder.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ikaze.core.text import Text

# The languages notices are written in (vetting/notices.TEMPLATE_LANGUAGES; the same four as
# the interface's, config/settings.py LANGUAGES).
NOTICE_LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "rw")

# One line of text, no control characters (a NUL byte would not even reach PostgreSQL's jsonb).
Line = Annotated[str, Text(max_length=300, required=True)]

# A text per language: {"en": "the Government of the Republic of Rwanda", "es": "..."}.
Localised = dict[str, Line]

# The fields written in each language, in the order a form or an error lists them.
LOCALISED_FIELDS: tuple[str, ...] = (
    "agreement_name",
    "sending_authority",
    "receiving_authority",
    "issuing_office",
    "appeal_body",
    "legal_aid_provider",
    "monitor",
)
CONTACT_FIELDS: tuple[str, ...] = (
    "address",
    "place",
    "appeal_contact",
    "legal_aid_contact",
    "monitor_contact",
)


class NoticeSettings(BaseModel):
    """The texts of one agreement's notices. Names carry their article, lower-case where a
    sentence would put it mid-sentence ("the authorities of the United States")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agreement_name: Localised = Field(description="The agreement's name in the notice's text.")
    sending_authority: Localised = Field(description="Who asks: 'the authorities of ...'.")
    receiving_authority: Localised = Field(description="Who decides: 'the Government of ...'.")
    issuing_office: Localised = Field(description="The office on the letterhead.")
    address: Line
    place: Line = Field(description="Where notices are signed (the signature block).")
    appeal_body: Localised
    appeal_contact: Line
    legal_aid_provider: Localised
    legal_aid_contact: Line
    monitor: Localised
    monitor_contact: Line

    @field_validator(*LOCALISED_FIELDS)
    @classmethod
    def _known_languages(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(NOTICE_LANGUAGES))
        if unknown:
            raise ValueError(
                f"unknown language {', '.join(unknown)}: use {', '.join(NOTICE_LANGUAGES)}"
            )
        if "en" not in value:
            raise ValueError("give at least the English text (en)")
        return value

    def missing(self, language: str) -> list[str]:
        """The fields without a text in `language`."""
        return [f for f in LOCALISED_FIELDS if language not in getattr(self, f)]

    def texts(self, language: str) -> dict[str, str]:
        """Every field as one string in `language` (KeyError if one is missing)."""
        out: dict[str, str] = {f: getattr(self, f)[language] for f in LOCALISED_FIELDS}
        out.update({f: getattr(self, f) for f in CONTACT_FIELDS})
        return out


def notice_settings_parse(data: Any) -> NoticeSettings:
    """Validate stored or submitted settings (pydantic's ValidationError if not valid)."""
    return NoticeSettings.model_validate(data)
