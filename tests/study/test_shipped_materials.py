"""The sample library shipped in data/study loads cleanly and covers the themes drivers need."""

from collections import Counter

from bot.core.settings import PROJECT_ROOT
from bot.features.study.materials import load_directory


def test_the_shipped_library_loads_without_errors():
    materials, errors = load_directory(PROJECT_ROOT / "data" / "study")
    assert errors == []
    assert len(materials) >= 30
    assert all(m.question is not None and m.sample for m in materials)
    assert len(Counter(m.theme for m in materials)) >= 6
    assert all(len(m.body) <= 600 for m in materials)
