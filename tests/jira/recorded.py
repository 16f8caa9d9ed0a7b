"""What a unit test's client sent, read back from ``responses``' recorded calls (typed, so tests need no casts).

``responses`` records ``requests``' PreparedRequest, whose URL and body are Optional: a test that reads them
means a request that had them, and says so here once.
"""

from __future__ import annotations

import json
from typing import Any

from responses import Call


def sent_json(call: Call) -> dict[str, Any]:
    """The JSON object a recorded request sent as its body."""
    body = call.request.body
    assert body is not None, f"{call.request.method} {call.request.url} sent no body"
    decoded = json.loads(body)
    assert isinstance(decoded, dict), f"{call.request.url} sent {type(decoded).__name__}, not an object"
    return decoded


def sent_url(call: Call) -> str:
    """The full URL (query string included) of a recorded request."""
    url = call.request.url
    assert url is not None
    return url
