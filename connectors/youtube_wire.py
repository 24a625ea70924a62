"""Reading YouTube's responses: bodies parsed with bounds, pages checked before use.

A 200 response can still be damaged (cut off by a proxy, an HTML error page, nesting a parser
cannot follow); here each becomes a ValueError the connector maps to a TransientError, so no
damaged body reaches the code that reads comments.
"""

from __future__ import annotations

from typing import Any

from connectors.sanitize import loads


def error_reason(exc: Any) -> tuple[int, str, str]:
    """Status, first error reason and message of a googleapiclient HttpError."""
    status = int(getattr(exc.resp, "status", 0) or 0)
    try:
        error = loads(exc.content).get("error", {})
        reasons = error.get("errors") or [{}]
        return status, str(reasons[0].get("reason", ""))[:100], str(error.get("message", ""))
    except (ValueError, AttributeError, TypeError, KeyError, IndexError):
        return status, "", f"HTTP {status}: {str(exc)[:200]}"


def bounded_json_model() -> Any:
    """The client's JSON model, parsing bodies with `sanitize.loads`.

    The stock model returns a body it cannot parse (cut off, not JSON) as a plain string, and
    raises RecursionError on deep nesting; here both are a ValueError, which `_call` maps to a
    TransientError, so a damaged response never reaches the code that reads it.
    """
    from googleapiclient.model import JsonModel

    class BoundedJsonModel(JsonModel):  # type: ignore[misc]
        def deserialize(self, content: Any) -> Any:
            body = loads(content)
            if not isinstance(body, dict):
                raise ValueError(f"expected a JSON object, got {type(body).__name__}")
            return body

    return BoundedJsonModel(data_wrapper=False)


def items_of(page: Any) -> list[Any]:
    """The `items` of a response page; a page without a list there is a damaged response."""
    items = page.get("items", [])
    if not isinstance(items, list):
        raise ValueError("the response's items are not a list")
    return items


def next_token(page: dict[str, Any]) -> str | None:
    token = page.get("nextPageToken")
    return token if isinstance(token, str) and token else None
