"""Phone and plate numbers: what is accepted, and how they are masked."""

import pytest

from bot.core.validation import mask_phone, mask_plate, normalize_phone, normalize_plate


@pytest.mark.parametrize(
    ("text", "expected"),
    [("13812345678", "13812345678"), ("+86 138-1234-5678", "13812345678"), ("0086 19912345678", "19912345678")],
)
def test_mainland_mobiles_are_accepted(text, expected):
    assert normalize_phone(text) == expected


@pytest.mark.parametrize("text", ["12812345678", "1381234567", "138123456789", "0851-86801234", "电话", ""])
def test_non_mobiles_are_refused(text):
    assert normalize_phone(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("贵A12345", "贵A12345"),
        ("贵a 12345", "贵A12345"),
        ("川A1234挂", "川A1234挂"),
        ("粤BD12345", "粤BD12345"),  # new-energy small car
        ("京AF1234X".replace("X", "5"), "京AF12345"),
        ("沪A12345D", "沪A12345D"),  # new-energy large vehicle
    ],
)
def test_plates_ordinary_and_new_energy(text, expected):
    assert normalize_plate(text) == expected


@pytest.mark.parametrize("text", ["A12345", "贵I12345", "贵A1234", "贵A123456789", "X贵12345"])
def test_malformed_plates_are_refused(text):
    assert normalize_plate(text) is None


def test_masking_hides_the_middle():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_plate("贵A12345") == "贵A***45"
    assert mask_phone(None) == "" and mask_plate("") == ""
