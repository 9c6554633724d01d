"""The landing bucket's client against a real S3-compatible server (SeaweedFS on loopback)."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from realreach_core.s3 import S3Client, S3Error
from tests.services import SeaweedS3


@pytest.fixture
def client(s3: SeaweedS3) -> S3Client:
    return S3Client(f"http://{s3.endpoint}", s3.key_id, s3.secret)


def test_a_prefix_lists_every_object_with_its_size_and_etag_across_pages(
    client: S3Client,
) -> None:
    prefix = f"landing-{uuid.uuid4().hex[:8]}/"
    bodies = {
        f"{prefix}x/users/20261121T060000Z.json": b'{"data": []}',
        f"{prefix}x/users/a b+\u00fc=1.json": b"{}",  # a name SigV4 must encode right
        f"{prefix}instagram/media/1_20261121T060000Z.json": b'{"data": [1]}',
        f"{prefix}linkedin/network_sizes/2_20261121T060000Z.json": b'{"firstDegreeSize": 3}',
        f"{prefix}facebook/posts/3_20261121T060000Z.json": b"[]",
    }
    for key, body in bodies.items():
        assert client.put_object("realreach", key, body) == hashlib.md5(body).hexdigest()
    client.put_object("realreach", f"other-{prefix}x.json", b"{}")  # outside the prefix

    listed = list(client.list_objects("realreach", prefix, page_size=2))  # three pages
    assert [o.key for o in listed] == sorted(bodies)
    for obj in listed:
        assert obj.size == len(bodies[obj.key])
        assert obj.etag == hashlib.md5(bodies[obj.key]).hexdigest()
    assert client.get_object("realreach", f"{prefix}x/users/a b+\u00fc=1.json") == b"{}"

    # Uploaded again with other bytes of the same size: only the ETag tells.
    key = f"{prefix}x/users/20261121T060000Z.json"
    client.put_object("realreach", key, b'{"data": {}}')
    (again,) = [o for o in client.list_objects("realreach", prefix) if o.key == key]
    assert again.size == len(bodies[key]) and again.etag != hashlib.md5(bodies[key]).hexdigest()


def test_a_refused_request_names_the_status_and_what_was_asked(s3: SeaweedS3) -> None:
    wrong = S3Client(f"http://{s3.endpoint}", s3.key_id, "not-the-secret")
    with pytest.raises(S3Error, match=r"GET http://127\.0\.0\.1:\d+/realreach: HTTP 403"):
        list(wrong.list_objects("realreach"))
    assert "not-the-secret" not in repr(wrong)
