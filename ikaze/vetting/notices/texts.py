"""Short texts the notice templates share: refusal reasons and country names per language.

The Kinyarwanda texts need review by a native translator (docs/adr/0003).
"""

from __future__ import annotations

from collections.abc import Mapping

from ikaze.core.names import KINYARWANDA_COUNTRIES

REASON_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "incomplete_referral": "The referral did not contain the information the agreement requires.",
        "safeguard_block": "A legal safeguard prevents your transfer (see below).",
        "cap_reached": "All the places available under the agreement are taken.",
        "not_eligible": "You are not eligible under the terms of the agreement.",
        "identity_unresolved": "Your identity could not be confirmed.",
        "other": "Another reason, explained below.",
    },
    "es": {
        "incomplete_referral": "La solicitud de traslado no contenía la información que exige el acuerdo.",
        "safeguard_block": "Una garantía legal impide su traslado (vea más abajo).",
        "cap_reached": "Todas las plazas disponibles en el acuerdo están ocupadas.",
        "not_eligible": "Usted no cumple las condiciones del acuerdo.",
        "identity_unresolved": "No se pudo confirmar su identidad.",
        "other": "Otro motivo, explicado más abajo.",
    },
    "fr": {
        "incomplete_referral": "La demande de transfert ne contenait pas les informations exigées par l’accord.",
        "safeguard_block": "Une garantie légale empêche votre transfert (voir ci-dessous).",
        "cap_reached": "Toutes les places prévues par l’accord sont occupées.",
        "not_eligible": "Vous ne remplissez pas les conditions de l’accord.",
        "identity_unresolved": "Votre identité n’a pas pu être confirmée.",
        "other": "Un autre motif, expliqué ci-dessous.",
    },
    "rw": {
        "incomplete_referral": "Dosiye yoherejwe ntiyari ikubiyemo amakuru amasezerano asaba.",
        "safeguard_block": "Hari ingingo y’amategeko irengera uburenganzira bwawe ibuza ko wimurwa (reba hasi).",
        "cap_reached": "Imyanya yose iteganyijwe n’amasezerano yamaze kuzura.",
        "not_eligible": "Ntwujuje ibisabwa n’amasezerano.",
        "identity_unresolved": "Umwirondoro wawe ntiwashoboye kwemezwa.",
        "other": "Indi mpamvu, isobanuwe hasi.",
    },
}

# Names CLDR does not give in every language (Kinyarwanda has only a few): the pages' table.
COUNTRY_NAMES: dict[str, Mapping[str, str]] = {"rw": KINYARWANDA_COUNTRIES}
