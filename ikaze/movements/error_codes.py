"""The error codes of movements: manifests, boarding, arrival, PAXLST, MRZ."""

from __future__ import annotations

from ikaze.core.error_codes import ErrorCodes


class ErrorCode(ErrorCodes):
    NOT_ACCEPTED = "not_accepted", "The person's referral is not accepted (SAFEGUARDS A5)."
    ACCEPTANCE_EXPIRED = "acceptance_expired", "The person's acceptance has expired (A5)."
    PERSON_BLOCKED = "person_blocked", "A safeguard block stands against the person."
    ALREADY_MANIFESTED = "already_manifested", "The person is already on a manifest."
    DUPLICATE_PERSON = "duplicate_person", "The same person is named twice."
    HOUSEHOLD_SPLIT = "household_split", "A household moves together or not at all (A7)."
    SEATS_EXCEEDED = "seats_exceeded", "More people than the movement has seats."
    NOT_BOARDED = "not_boarded", "The person did not board this movement."
    NOT_ARRIVED = "not_arrived", "The person is not on an arrived manifest."
    PAXLST_INVALID = "paxlst_invalid", "The PAXLST message is malformed or names unknown people."
    MRZ_CHECK_DIGIT = "mrz_check_digit", "A check digit of the machine-readable zone is wrong."
