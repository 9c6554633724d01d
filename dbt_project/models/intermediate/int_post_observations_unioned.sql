-- Every observation of a post's cumulative metrics, from every platform, in one vocabulary.
-- The platform names are mapped here and nowhere else:
--   likes    = X like_count, Instagram like_count, Facebook reactions (all reaction types)
--   comments = X replies, Instagram / Facebook comments
--   shares   = X retweets + quotes, Instagram shares, Facebook shares
--   saves    = X bookmarks, Instagram saved
--   clicks   = X url + profile clicks, Facebook clicks
--   impressions = X impressions, Instagram views, Facebook post_media_view
--   reach    = Instagram media reach (X and Facebook posts give none)
-- A metric a source does not report is null, never 0.
-- Incremental: only the posts int_posts_invalidated names are recomputed (whole).
-- depends_on: {{ ref('int_posts_invalidated') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_invalidated_posts() }}",
) }}
with x_tweets as (
    select
        platform,
        account_id,
        post_id,
        observed_at,
        ingested_at,
        posted_at,
        -- a retweet is someone else's content passed on: a share. Quotes add the account's
        -- own words and earn their own engagement, so they count as originals (is_quote).
        case
            when referenced_type = 'retweeted' then 'share'
            when referenced_type = 'replied_to' or in_reply_to_user_id is not null then 'reply'
            else 'original'
        end as post_type,
        coalesce(referenced_type = 'quoted', false) as is_quote,
        like_count as likes,
        reply_count as comments,
        case
            when retweet_count is not null or quote_count is not null
                then coalesce(retweet_count, 0) + coalesce(quote_count, 0)
        end as shares,
        bookmark_count as saves,
        case
            when url_link_clicks is not null or user_profile_clicks is not null
                then coalesce(url_link_clicks, 0) + coalesce(user_profile_clicks, 0)
        end as clicks,
        impression_count as impressions,
        cast(null as bigint) as reach,
        'x_tweets' as metrics_source
    from {{ ref('stg_x__tweets') }}
    {%- if is_incremental() %}
        where {{ in_invalidated_posts() }}
    {%- endif %}
),

tweet_ids as (
    select distinct
        platform,
        post_id
    from x_tweets
),

-- The activity CSV adds impressions and clicks to tweets we pulled; its counts (which leave
-- out quotes and bookmarks) are used only for tweets no pull or archive ever gave us.
x_analytics as (
    select
        analytics.platform,
        analytics.account_id,
        analytics.post_id,
        analytics.observed_at,
        analytics.ingested_at,
        analytics.posted_at,
        cast(null as varchar) as post_type,
        cast(null as boolean) as is_quote,
        case when tweet_ids.post_id is null then analytics.likes end as likes,
        case when tweet_ids.post_id is null then analytics.replies end as comments,
        case when tweet_ids.post_id is null then analytics.retweets end as shares,
        cast(null as bigint) as saves,
        case
            when analytics.url_clicks is not null or analytics.user_profile_clicks is not null
                then
                    coalesce(analytics.url_clicks, 0)
                    + coalesce(analytics.user_profile_clicks, 0)
        end as clicks,
        analytics.impressions,
        cast(null as bigint) as reach,
        'x_analytics' as metrics_source
    from {{ ref('stg_x__analytics') }} as analytics
    left join tweet_ids
        on analytics.platform = tweet_ids.platform and analytics.post_id = tweet_ids.post_id
    {%- if is_incremental() %}
        where {{ in_invalidated_posts('analytics') }}
    {%- endif %}
),

instagram_media as (
    select
        platform,
        account_id,
        post_id,
        observed_at,
        ingested_at,
        posted_at,
        'original' as post_type,
        false as is_quote,
        like_count as likes,
        comments_count as comments,
        shares_count as shares,
        saved_count as saves,
        cast(null as bigint) as clicks,
        view_count as impressions,
        reach,
        'instagram_media' as metrics_source
    from {{ ref('stg_instagram__media') }}
    {%- if is_incremental() %}
        where {{ in_invalidated_posts() }}
    {%- endif %}
),

facebook_posts as (
    select
        platform,
        account_id,
        post_id,
        observed_at,
        ingested_at,
        posted_at,
        'original' as post_type,
        false as is_quote,
        reactions_count as likes,
        comments_count as comments,
        shares_count as shares,
        cast(null as bigint) as saves,
        clicks,
        media_views as impressions,
        cast(null as bigint) as reach,
        'facebook_posts' as metrics_source
    from {{ ref('stg_facebook__posts') }}
    {%- if is_incremental() %}
        where {{ in_invalidated_posts() }}
    {%- endif %}
)

select * from x_tweets
union all by name
select * from x_analytics
union all by name
select * from instagram_media
union all by name
select * from facebook_posts
