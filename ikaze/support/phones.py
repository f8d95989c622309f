"""Payee phone numbers (SAFEGUARDS E3): E.164 through `phonenumbers`, Rwanda +250 78/79."""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext

from ikaze.support.error_codes import ErrorCode
from ikaze.support.errors import PhoneInvalid

# MTN Rwanda (78, 79) are the numbers MoMo pays; other prefixes are other networks.
RWANDA_MOBILE_PREFIXES = ("78", "79")


def msisdn_normalise(text: str, *, field: str = "msisdn") -> str:
    """The number as the provider wants it (E.164 digits without "+"), or PhoneInvalid."""
    try:
        number = phonenumbers.parse(text.strip(), "RW")
    except phonenumbers.NumberParseException:
        raise PhoneInvalid.for_field(
            field,
            gettext("Not a phone number: %(text)s") % {"text": text[:40]},
            code=ErrorCode.PHONE_INVALID,
        ) from None
    national = str(number.national_number)
    if (
        number.country_code != 250
        or not phonenumbers.is_valid_number(number)
        or not national.startswith(RWANDA_MOBILE_PREFIXES)
    ):
        raise PhoneInvalid.for_field(
            field,
            gettext("Give a Rwandan MTN mobile number, +250 78… or +250 79… (%(text)s).")
            % {"text": text[:40]},
            code=ErrorCode.PHONE_INVALID,
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")
