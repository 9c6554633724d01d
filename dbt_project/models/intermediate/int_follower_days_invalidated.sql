-- What an incremental build recomputes of the per-day follower chain (int_followers_filled,
-- int_followers_baselined, fct_engagement_daily,
-- fct_followers_daily, fct_follower_gains_daily), per account; no rows on a full build.
-- A new row describes a day (its observation day, an insight's value_date, a DYI follow's
-- followed_at, a LinkedIn range_start); counts are interpolated between observed anchors, so
-- the days after the last anchor before the earliest described day may change: they are
-- recomputed (write_from) from that anchor on (read_from). The chain only looks back (lags,
-- trailing windows), so nothing before write_from changes. No anchor before it, or a
-- retraction (whole_accounts): the account's whole history.
with new_days as (
    {{ new_rows_described([
        ('stg_x__users', utc_date('observed_at')),
        ('stg_x__archive_relations', utc_date('observed_at')),
        ('stg_instagram__users', utc_date('observed_at')),
        ('stg_linkedin__network_sizes', utc_date('observed_at')),
        ('stg_facebook__insights', 'value_date'),
        ('stg_instagram__insights', 'value_date'),
        ('stg_instagram__dyi_followers', utc_date('followed_at')),
        ('stg_linkedin__follower_statistics', utc_date('range_start')),
    ]) }}
),

changed as (
    select
        platform,
        account_id,
        min(described_date) as changed_from
    from new_days
    group by platform, account_id
),

anchors as (
    select distinct
        platform,
        account_id,
        observed_date
    from {{ ref('int_followers_observed') }}
),

last_anchor as (
    select
        changed.platform,
        changed.account_id,
        max(anchors.observed_date) as anchor_date
    from changed
    left join anchors
        on
            changed.platform = anchors.platform
            and changed.account_id = anchors.account_id
            and changed.changed_from > anchors.observed_date
    group by changed.platform, changed.account_id
),

whole as (
    select distinct
        platform,
        account_id
    from {{ whole_accounts() }}
)

select
    platform,
    account_id,
    coalesce(anchor_date + 1, date '0001-01-01') as write_from,
    coalesce(anchor_date, date '0001-01-01') as read_from
from last_anchor
union all
select
    platform,
    account_id,
    date '0001-01-01' as write_from,
    date '0001-01-01' as read_from
from whole
