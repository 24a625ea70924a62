"""The Chinese-platform stubs say clearly what their platforms offer."""

from __future__ import annotations

import pytest

from connectors.errors import NotSupported
from connectors.stubs import STUBS


@pytest.mark.parametrize(("name", "says"), [
    ("xiaohongshu", "no API for creators"),
    ("douyin", "item.comment scope"),
    ("kuaishou", "no comment read or reply API"),
])
def test_each_stub_refuses_to_start_and_says_why(name: str, says: str) -> None:
    connector = STUBS[name]()
    assert connector.name == name
    with pytest.raises(NotSupported, match=says):
        connector.open()
    with pytest.raises(NotSupported):
        connector.fetch_new(None)
