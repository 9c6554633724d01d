"""One parser per platform format, looked up by the landing folder ``(platform, kind)``."""

from __future__ import annotations

from ingestion.parsers.base import Parser
from ingestion.parsers.facebook_insights import FacebookInsightsParser
from ingestion.parsers.facebook_posts import FacebookPostsParser
from ingestion.parsers.instagram_dyi import InstagramDyiParser
from ingestion.parsers.instagram_insights import InstagramInsightsParser
from ingestion.parsers.instagram_media import InstagramMediaParser
from ingestion.parsers.instagram_users import InstagramUsersParser
from ingestion.parsers.linkedin_follower_statistics import LinkedInFollowerStatisticsParser
from ingestion.parsers.linkedin_network_sizes import LinkedInNetworkSizesParser
from ingestion.parsers.linkedin_share_statistics import LinkedInShareStatisticsParser
from ingestion.parsers.registry import AccountsCsvParser
from ingestion.parsers.x import XFollowersParser, XTweetsParser, XUsersParser
from ingestion.parsers.x_analytics import XAnalyticsParser
from ingestion.parsers.x_archive import XArchiveParser

PARSERS: dict[tuple[str, str], Parser] = {
    (parser.platform, parser.kind): parser
    for parser in (
        XUsersParser(),
        XTweetsParser(),
        XFollowersParser(),
        XArchiveParser(),
        XAnalyticsParser(),
        InstagramUsersParser(),
        InstagramInsightsParser(),
        InstagramMediaParser(),
        InstagramDyiParser(),
        FacebookInsightsParser(),
        FacebookPostsParser(),
        LinkedInFollowerStatisticsParser(),
        LinkedInNetworkSizesParser(),
        LinkedInShareStatisticsParser(),
        AccountsCsvParser(),
    )
}

__all__ = ["PARSERS", "Parser"]
