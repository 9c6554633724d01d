"""One parser per platform format, looked up by (platform, kind)."""

from __future__ import annotations

from ingestion.parsers.base import Parser
from ingestion.parsers.registry import AccountsCsvParser
from ingestion.parsers.x import XFollowersParser, XTweetsParser, XUsersParser

PARSERS: dict[tuple[str, str], Parser] = {
    (parser.platform, parser.kind): parser
    for parser in (XUsersParser(), XTweetsParser(), XFollowersParser(), AccountsCsvParser())
}

__all__ = ["PARSERS", "Parser"]
