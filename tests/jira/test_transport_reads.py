"""The real transport reads an answer's body in large chunks (requests' default is 10 KB a read: a 5 MB
search page was 500 Python-level reads), and what it reads is the whole body."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from syncreport.jira.transport import READ_CHUNK_BYTES, Request, RequestsTransport


@responses.activate
def test_a_large_answer_is_read_whole_in_large_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    body = b'{"issues":[' + b",".join(b'{"id":"%d"}' % n for n in range(300_000)) + b"]}"  # about 4 MB
    responses.post("https://jira.example/rest/api/2/search", body=body)
    sizes: list[Any] = []
    real = requests.Response.iter_content

    def recorded(self: requests.Response, chunk_size: Any = 1, decode_unicode: bool = False) -> Iterator[Any]:
        sizes.append(chunk_size)  # a spy: the reading itself is requests' own
        return real(self, chunk_size, decode_unicode)

    monkeypatch.setattr(requests.Response, "iter_content", recorded)
    transport = RequestsTransport(auth="pat", verify=True)
    request = Request("POST", "https://jira.example/rest/api/2/search", body=b"{}", timeout=5.0)
    first, second = transport.handle(request), transport.handle(request)
    transport.close()
    assert first.content == second.content == body
    assert sizes == [READ_CHUNK_BYTES, READ_CHUNK_BYTES] and READ_CHUNK_BYTES >= 1 << 20
