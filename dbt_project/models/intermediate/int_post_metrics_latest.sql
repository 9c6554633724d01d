-- One row per post with its latest known metrics, mapped onto the cross-platform vocabulary.
with observations as (
    select * from {{ ref('stg_x__tweets') }}
),

first_seen as (
    select
        platform,
        post_id,
        min(observed_at) as first_observed_at
    from observations
    group by platform, post_id
),

latest as (
    select * from observations
    qualify row_number() over (
        partition by platform, post_id
        order by observed_at desc, ingested_at desc
    ) = 1
)

select
    latest.platform,
    latest.account_id,
    latest.post_id,
    latest.posted_at,
    -- a retweet is someone else's content passed on: a share. Quotes add the account's own
    -- words and earn their own engagement, so they count as original posts (is_quote marks them).
    case
        when latest.referenced_type = 'retweeted' then 'share'
        when latest.referenced_type = 'replied_to' or latest.in_reply_to_user_id is not null
            then 'reply'
        else 'original'
    end as post_type,
    coalesce(latest.referenced_type = 'quoted', false) as is_quote,
    latest.like_count as likes,
    latest.reply_count as comments,
    case
        when latest.retweet_count is not null or latest.quote_count is not null
            then coalesce(latest.retweet_count, 0) + coalesce(latest.quote_count, 0)
    end as shares,
    latest.bookmark_count as saves,
    case
        when latest.url_link_clicks is not null or latest.user_profile_clicks is not null
            then coalesce(latest.url_link_clicks, 0) + coalesce(latest.user_profile_clicks, 0)
    end as clicks,
    latest.impression_count as impressions,
    -- X reports impressions only, never distinct reach
    cast(null as bigint) as reach,
    coalesce(latest.like_count, 0)
    + coalesce(latest.reply_count, 0)
    + coalesce(latest.retweet_count, 0)
    + coalesce(latest.quote_count, 0)
    + coalesce(latest.bookmark_count, 0) as interactions,
    first_seen.first_observed_at,
    latest.observed_at as metrics_observed_at
from latest
inner join first_seen
    on latest.platform = first_seen.platform and latest.post_id = first_seen.post_id
