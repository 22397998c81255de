"""Validation and masking of personal data: mainland mobile numbers and vehicle plates."""

from __future__ import annotations

import re

PROVINCE_ABBREVIATIONS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Ordinary plates: 省 + letter + 5 of letters/digits (no I/O), optional 挂/学/警 style endings;
# new-energy plates: 省 + letter + 6 characters (D/F marks for small cars, or trailing D/F for big vehicles).
_PLATE_ORDINARY = re.compile(rf"^[{PROVINCE_ABBREVIATIONS}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{{4}}[A-HJ-NP-Z0-9挂学警港澳]$")
_PLATE_NEW_ENERGY = re.compile(rf"^[{PROVINCE_ABBREVIATIONS}][A-HJ-NP-Z](?:[DF][A-HJ-NP-Z0-9]\d{{4}}|\d{{5}}[DF])$")
_SEPARATORS = re.compile(r"[\s\-·•.]")


def normalize_phone(text: str) -> str | None:
    """A mainland mobile number in 11 digits, or None (accepts +86, spaces and dashes)."""
    digits = _SEPARATORS.sub("", text.strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits if _MOBILE.match(digits) else None


def normalize_plate(text: str) -> str | None:
    """A plate in upper case without separators, or None when it is no Chinese plate."""
    plate = _SEPARATORS.sub("", text.strip()).upper()
    if _PLATE_NEW_ENERGY.match(plate) or _PLATE_ORDINARY.match(plate):
        return plate
    return None


def mask_phone(phone: str | None) -> str:
    """138****1234; empty when there is none."""
    if not phone:
        return ""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"


def mask_plate(plate: str | None) -> str:
    """贵A***23: province, letter and the last two characters."""
    if not plate:
        return ""
    return f"{plate[:2]}{'*' * max(len(plate) - 4, 1)}{plate[-2:]}"
