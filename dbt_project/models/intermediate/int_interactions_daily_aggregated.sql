-- Per account and UTC day: posts published, and interactions / impressions RECEIVED that day.
-- Platforms report cumulative counts per post, so what a day received is the increase of each
-- post's count since its previous end-of-day observation. The count at a post's first
-- observation is credited to its publication day (we cannot know when it accrued); decreases
-- (unlikes, removed spam) are not negative activity and count as 0.
with observations as (
    select
        platform,
        account_id,
        post_id,
        posted_at,
        observed_at,
        ingested_at,
        {{ utc_date('observed_at') }} as observed_date,
        coalesce(like_count, 0)
        + coalesce(reply_count, 0)
        + coalesce(retweet_count, 0)
        + coalesce(quote_count, 0)
        + coalesce(bookmark_count, 0) as interactions_total,
        reply_count as comments_total,
        impression_count as impressions_total
    from {{ ref('stg_x__tweets') }}
),

end_of_day as (
    select * from observations
    qualify row_number() over (
        partition by platform, post_id, observed_date
        order by observed_at desc, ingested_at desc
    ) = 1
),

increments as (
    select
        platform,
        account_id,
        post_id,
        case
            when row_number() over by_day = 1
                then least(coalesce({{ utc_date('posted_at') }}, observed_date), observed_date)
            else observed_date
        end as date,
        greatest(
            interactions_total - coalesce(lag(interactions_total) over by_day, 0), 0
        ) as interactions_received,
        greatest(
            comments_total - coalesce(last_value(comments_total ignore nulls) over earlier_days, 0),
            0
        ) as comments_received,
        greatest(
            impressions_total
            - coalesce(last_value(impressions_total ignore nulls) over earlier_days, 0),
            0
        ) as impressions_received
    from end_of_day
    window
        by_day as (partition by platform, post_id order by observed_date),
        earlier_days as (
            partition by platform, post_id order by observed_date
            rows between unbounded preceding and 1 preceding
        )
),

received as (
    select
        platform,
        account_id,
        date,
        cast(sum(interactions_received) as bigint) as interactions,
        cast(sum(comments_received) as bigint) as comments,
        cast(sum(impressions_received) as bigint) as impressions
    from increments
    group by platform, account_id, date
),

published as (
    select
        platform,
        account_id,
        {{ utc_date('posted_at') }} as date,
        count(*) as posts,
        count(*) filter (where post_type = 'reply') as replies,
        count(*) filter (where post_type = 'share') as shares_posted
    from {{ ref('int_post_metrics_latest') }}
    where posted_at is not null
    group by platform, account_id, {{ utc_date('posted_at') }}
)

select
    coalesce(received.platform, published.platform) as platform,
    coalesce(received.account_id, published.account_id) as account_id,
    coalesce(received.date, published.date) as date,
    coalesce(published.posts, 0) as posts,
    coalesce(published.replies, 0) as replies,
    coalesce(published.shares_posted, 0) as shares_posted,
    coalesce(received.interactions, 0) as interactions,
    coalesce(received.comments, 0) as comments,
    received.impressions,
    -- account-level daily insights where a platform gives them (X does not)
    cast(null as bigint) as reach,
    cast(null as bigint) as profile_views
from received
full outer join published
    on
        received.platform = published.platform
        and received.account_id = published.account_id
        and received.date = published.date
