"""A small S3 client for team mode's landing bucket: list a prefix with sizes and ETags, put,
get, head. Standard library only (SigV4 signing over ``http.client``).

Why not pyarrow's ``S3FileSystem``, which the lake will write through: its listing gives path,
size and a whole-second mtime, but no ETag, and the landing watch needs the ETag to tell a
re-uploaded object from the one it announced (same size, same second) without a HEAD request per
object. Why not boto3: 20 MB of dependencies for four calls. Deleting is not offered: the
pipeline never deletes what arrives in landing (the contract).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class S3Error(RuntimeError):
    """The server refused a request: the status, its code and message, and what was asked."""


@dataclass(frozen=True, slots=True)
class S3Object:
    key: str
    size: int
    etag: str  # as the server sent it, quotes removed (multipart uploads: "<md5>-<parts>")
    last_modified: datetime


def _sign(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class S3Client:
    """``endpoint``: ``http://host:port`` or ``https://host``; path-style URLs
    (``endpoint/bucket/key``), which every S3-compatible server accepts."""

    endpoint: str
    key_id: str
    secret: str = field(repr=False)
    region: str = "us-east-1"
    timeout_s: float = 30.0

    def list_objects(
        self, bucket: str, prefix: str = "", *, page_size: int = 1000
    ) -> Iterator[S3Object]:
        """Every object under ``prefix``, in key order, page by page (ListObjectsV2)."""
        token: str | None = None
        while True:
            query = {"list-type": "2", "prefix": prefix, "max-keys": str(page_size)}
            if token:
                query["continuation-token"] = token
            _, body = self._request("GET", f"/{bucket}", query)
            root = ET.fromstring(body)
            for item in root.iter(f"{_NS}Contents"):
                yield S3Object(
                    key=item.findtext(f"{_NS}Key", ""),
                    size=int(item.findtext(f"{_NS}Size", "0")),
                    etag=item.findtext(f"{_NS}ETag", "").strip('"'),
                    last_modified=datetime.fromisoformat(
                        item.findtext(f"{_NS}LastModified", "").replace("Z", "+00:00")
                    ),
                )
            if root.findtext(f"{_NS}IsTruncated") != "true":
                return
            token = root.findtext(f"{_NS}NextContinuationToken")

    def put_object(self, bucket: str, key: str, data: bytes) -> str:
        """Uploads ``data`` in one request (complete when it returns); the new ETag."""
        headers, _ = self._request("PUT", f"/{bucket}/{key}", {}, data)
        return (headers.get("ETag") or "").strip('"')

    def get_object(self, bucket: str, key: str) -> bytes:
        return self._request("GET", f"/{bucket}/{key}", {})[1]

    def _request(
        self, method: str, path: str, query: dict[str, str], body: bytes = b""
    ) -> tuple[http.client.HTTPMessage, bytes]:
        """One signed request: the response's headers and body; S3Error for a refusal."""
        url = urlsplit(self.endpoint)
        now = datetime.now(UTC)
        stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        payload = hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256
        canonical_path = quote(path, safe="/-_.~")
        canonical_query = "&".join(
            f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query.items())
        )
        headers = {"host": url.netloc, "x-amz-content-sha256": payload, "x-amz-date": stamp}
        signed = ";".join(sorted(headers))
        canonical = "\n".join([
            method, canonical_path, canonical_query,
            "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)), signed, payload,
        ])  # fmt: skip
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = "\n".join(
            ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
        )
        key = _sign(("AWS4" + self.secret).encode(), day)
        for part in (self.region, "s3", "aws4_request"):
            key = _sign(key, part)
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={self.key_id}/{scope}, SignedHeaders={signed}, "
            f"Signature={signature}"
        )
        connection_type = (
            http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_type(url.netloc, timeout=self.timeout_s)
        try:
            target = canonical_path + (f"?{canonical_query}" if canonical_query else "")
            connection.request(method, target, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            if response.status >= 300:
                raise S3Error(self._error(method, path, response.status, data))
            return response.headers, data
        finally:
            connection.close()

    def _error(self, method: str, path: str, status: int, data: bytes) -> str:
        code = message = ""
        try:
            root = ET.fromstring(data)
            code, message = root.findtext("Code", ""), root.findtext("Message", "")
        except ET.ParseError:
            message = data[:200].decode(errors="replace")
        return f"S3 {method} {self.endpoint}{path}: HTTP {status} {code} {message}".strip()
