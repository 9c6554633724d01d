-- Account-level daily activity where a platform reports it per account rather than per post:
-- Instagram insights (reach, profile_views, views), Facebook page insights
-- (page_post_engagements, page_media_view) and LinkedIn share statistics (DAY elements).
-- One row per platform x account x UTC day; a value re-pulled later replaces the earlier one.
with insights as (
    select
        platform,
        account_id,
        metric,
        value_date as date,
        metric_value,
        observed_at,
        ingested_at
    from {{ ref('stg_instagram__insights') }}
    where period = 'day' and metric in ('reach', 'profile_views', 'views', 'total_interactions')
    union all
    select
        platform,
        account_id,
        metric,
        value_date as date,
        metric_value,
        observed_at,
        ingested_at
    from {{ ref('stg_facebook__insights') }}
    where
        period = 'day'
        and metric in ('page_post_engagements', 'page_media_view', 'page_impressions_unique')
),

insight_values as (
    select * from insights
    where date is not null and metric_value is not null
    qualify row_number() over (
        partition by platform, account_id, metric, date
        order by observed_at desc, ingested_at desc
    ) = 1
),

insight_days as (
    select
        platform,
        account_id,
        date,
        cast(round(max(metric_value) filter (
            where metric in ('total_interactions', 'page_post_engagements')
        )) as bigint) as interactions,
        cast(null as bigint) as comments,
        cast(round(max(metric_value) filter (
            where metric in ('views', 'page_media_view')
        )) as bigint) as impressions,
        cast(round(max(metric_value) filter (
            where metric in ('reach', 'page_impressions_unique')
        )) as bigint) as reach,
        cast(round(max(metric_value) filter (
            where metric = 'profile_views'
        )) as bigint) as profile_views,
        platform || '_insights' as account_activity_source
    from insight_values
    group by platform, account_id, date
),

linkedin_days as (
    select
        platform,
        account_id,
        {{ utc_date('range_start') }} as date,
        -- the same interaction set as posts elsewhere: likes + comments + shares (no clicks)
        case
            when like_count is not null or comment_count is not null or share_count is not null
                then coalesce(like_count, 0) + coalesce(comment_count, 0) + coalesce(share_count, 0)
        end as interactions,
        comment_count as comments,
        impression_count as impressions,
        unique_impressions_count as reach,
        cast(null as bigint) as profile_views,
        'linkedin_share_statistics' as account_activity_source
    from {{ ref('stg_linkedin__share_statistics') }}
    where range_start is not null
    qualify row_number() over (
        partition by platform, account_id, {{ utc_date('range_start') }}
        order by observed_at desc, ingested_at desc
    ) = 1
)

select * from insight_days
union all by name
select * from linkedin_days
