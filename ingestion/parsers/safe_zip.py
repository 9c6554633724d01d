"""Opening uploaded .zip exports without trusting them.

Archives come from users' downloads: they may be truncated, password-protected, carry entries
that try to escape their folder (``../x``, ``/etc/x``), or be built to inflate without bound. We
never extract to disk, but a name that escapes is a sign of a hostile or broken archive, so the
whole file is quarantined rather than partly read. Sizes are checked twice for every entry a
parser reads: the sizes it declares (before inflating), and the bytes actually inflated (a
header can lie).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath

from ingestion.errors import IngestError
from ingestion.landing import LandingFile
from ingestion.parsers.base import require_content

#: Most a whole archive may inflate to. Real X archives without media are tens of MiB.
MAX_TOTAL_BYTES = 256 * 1024 * 1024
#: Most one entry may inflate relative to its compressed size. JSON compresses ~10-20x;
#: zip bombs reach 1000x and more.
MAX_RATIO = 200
#: Entries below this size are not held to MAX_RATIO: tiny highly repetitive files are normal.
RATIO_FLOOR_BYTES = 1024 * 1024
_CHUNK = 1 << 20
# What zipfile raises on hostile headers (found by `make fuzz`): all mean "not a readable zip".
_DAMAGED = (
    zipfile.BadZipFile, EOFError, ValueError, IndexError, KeyError, OverflowError,
    struct.error, UnicodeError, NotImplementedError,
)  # fmt: skip


@dataclass(frozen=True)
class ZipLimits:
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_ratio: int = MAX_RATIO
    ratio_floor_bytes: int = RATIO_FLOOR_BYTES


class SafeZip:
    """A checked archive; ``read`` inflates one entry, stopping at the limits."""

    def __init__(self, file: LandingFile, raw: bytes, limits: ZipLimits | None = None) -> None:
        self.file = file
        self.limits = limits or ZipLimits()
        require_content(file, raw)
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(raw))
            infos = self.zip.infolist()
        except _DAMAGED as exc:
            raise IngestError(
                f"{file.rel}: not a readable zip archive, truncated or corrupt ({exc})"
            ) from None
        for info in infos:
            if info.flag_bits & 0x1:
                raise IngestError(
                    f"{file.rel}: password-protected (encrypted) zip entry {info.filename!r}; "
                    "export the archive again without a password"
                )
            if _escapes(info.filename):
                raise IngestError(
                    f"{file.rel}: zip entry {info.filename!r} escapes the archive's folder "
                    "(absolute path or '..'); refusing the archive"
                )
        # not ZipInfo.is_dir(): it fails on an empty name (found by make fuzz)
        self.infos = [info for info in infos if info.filename and not info.filename.endswith("/")]
        self._declared = 0
        self._inflated = 0

    def names(self) -> list[str]:
        return [info.filename for info in self.infos]

    def read(self, name: str) -> bytes:
        """The entry's bytes; stops as soon as the archive inflates past the total limit.

        CPython's zipfile already stops at an entry's declared size (and fails its CRC check
        when the data holds more); counting inflated bytes here keeps the limit true without
        relying on that.
        """
        info = self.zip.getinfo(name)
        self._check_declared(info)
        parts: list[bytes] = []
        try:
            with self.zip.open(info) as entry:
                while chunk := entry.read(_CHUNK):
                    self._inflated += len(chunk)
                    if self._inflated > self.limits.max_total_bytes:
                        raise IngestError(
                            f"{self.file.rel}: zip inflates past the "
                            f"{self.limits.max_total_bytes}-byte limit while reading {name!r}: "
                            "looks like a zip bomb"
                        )
                    parts.append(chunk)
        except NotImplementedError as exc:  # a compression method or zip version zipfile lacks
            raise IngestError(
                f"{self.file.rel}: zip entry {name!r} uses an unsupported zip feature ({exc}); "
                "export the archive again"
            ) from None
        except (*_DAMAGED, zlib.error, OSError, RuntimeError) as exc:
            # zlib errors and CRC mismatches: the data was cut or damaged.
            raise IngestError(
                f"{self.file.rel}: zip entry {name!r} is damaged or truncated ({exc})"
            ) from None
        return b"".join(parts)

    def _check_declared(self, info: zipfile.ZipInfo) -> None:
        """Refuses an entry by the sizes it declares, before inflating a byte of it.

        Only entries a parser reads count: an archive's photos and videos are never inflated,
        so a large export with media is not mistaken for a bomb.
        """
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size > self.limits.ratio_floor_bytes and ratio > self.limits.max_ratio:
            raise IngestError(
                f"{self.file.rel}: zip entry {info.filename!r} would inflate {ratio}x "
                f"(limit {self.limits.max_ratio}x): looks like a zip bomb"
            )
        self._declared += info.file_size
        if self._declared > self.limits.max_total_bytes:
            raise IngestError(
                f"{self.file.rel}: zip declares {self._declared} bytes uncompressed in the "
                f"entries read, over the {self.limits.max_total_bytes}-byte limit: "
                "looks like a zip bomb"
            )


def _escapes(name: str) -> bool:
    normal = name.replace("\\", "/")
    if normal.startswith("/") or (len(normal) > 1 and normal[1] == ":"):
        return True  # absolute, POSIX or Windows drive
    return ".." in PurePosixPath(normal).parts


def is_zip(raw: bytes) -> bool:
    """Whether the bytes are a zip archive (by signature, not by file name)."""
    return raw[:4] in (b"PK\x03\x04", b"PK\x05\x06")
