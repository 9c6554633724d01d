-- Every absolute follower count any platform gave, one row per observation, with its source.
-- These are the only rows that make a day "observed" in int_followers_filled.
with x_users as (
    select
        platform,
        account_id,
        observed_at,
        ingested_at,
        {{ utc_date('observed_at') }} as observed_date,
        followers_count as followers,
        'x_users' as followers_source
    from {{ ref('stg_x__users') }}
    where followers_count is not null
),

-- an archive's follower list is complete when it was generated: its length is a count
x_archives as (
    select
        platform,
        account_id,
        observed_at,
        max(ingested_at) as ingested_at,
        {{ utc_date('observed_at') }} as observed_date,
        count(distinct other_id) as followers,
        'x_archive' as followers_source
    from {{ ref('stg_x__archive_relations') }}
    where relation = 'follower'
    group by platform, account_id, observed_at
),

instagram_users as (
    select
        platform,
        account_id,
        observed_at,
        ingested_at,
        {{ utc_date('observed_at') }} as observed_date,
        followers_count as followers,
        'instagram_users' as followers_source
    from {{ ref('stg_instagram__users') }}
    where followers_count is not null
),

linkedin_network_sizes as (
    select
        platform,
        account_id,
        observed_at,
        ingested_at,
        {{ utc_date('observed_at') }} as observed_date,
        first_degree_size as followers,
        'linkedin_network_sizes' as followers_source
    from {{ ref('stg_linkedin__network_sizes') }}
    where first_degree_size is not null
),

-- page_follows describes value_date (its end_time is the END of that day, Pacific time), so
-- the count belongs to value_date, observed at end_time
facebook_page_follows as (
    select
        platform,
        account_id,
        coalesce(end_time, observed_at) as observed_at,
        ingested_at,
        coalesce(value_date, {{ utc_date('observed_at') }}) as observed_date,
        cast(round(metric_value) as bigint) as followers,
        'facebook_page_follows' as followers_source
    from {{ ref('stg_facebook__insights') }}
    where metric = 'page_follows' and metric_value is not null
)

select * from x_users
union all by name
select * from x_archives
union all by name
select * from instagram_users
union all by name
select * from linkedin_network_sizes
union all by name
select * from facebook_page_follows
