"""The sample library shipped in bot/features/study/data loads cleanly and covers the themes drivers need."""

from collections import Counter

from bot.features.study.materials import SHIPPED_MATERIALS, load_directory


def test_the_shipped_library_loads_without_errors():
    materials, errors = load_directory(SHIPPED_MATERIALS)
    assert errors == []
    assert len(materials) >= 30
    assert all(m.question is not None and m.sample for m in materials)
    assert len(Counter(m.theme for m in materials)) >= 6
    assert all(len(m.body) <= 600 for m in materials)
