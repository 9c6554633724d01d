-- One row per account per UTC day with a follower count from the best evidence (any platform,
-- see int_followers_observed and int_follower_changes_unioned):
-- * observed: the day's last absolute count (end of day).
-- * integrated: between two absolute counts (anchors), the earlier anchor plus the net changes
--   the platform reports per day (LinkedIn organic + paid gains, which net out unfollows;
--   Facebook follows - unfollows), reconciled to the later anchor: the residual (what the
--   reported changes miss) is spread over the days whose change is unknown, or evenly over the
--   segment when every day is known, and kept in reconciliation_residual. Beyond the last
--   anchor (and before the first) a count is integrated from the nearest anchor when every day
--   in between has a net change; no residual is known there.
-- * interpolated: days in a segment without a reported net change (X, Instagram whose
--   follower_count is gross new follows only), linearly between the anchors, rounded.
-- Gains and losses are only what a platform reports per day (int_follower_changes_unioned);
-- net_followers is the difference of the daily counts.
-- Incremental: only the account-days int_follower_days_invalidated names are recomputed, from
-- the last anchor before what changed.
-- depends_on: {{ ref('int_follower_days_invalidated') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_invalidated_days(ref('int_follower_days_invalidated')) }}",
) }}
{%- set invalidated = ref('int_follower_days_invalidated') %}
with end_of_day as (
    select
        platform,
        account_id,
        observed_date,
        observed_at as last_observed_at,
        followers as observed_followers,
        followers_source
    from {{ ref('int_followers_observed') }} as observed
    {%- if is_incremental() %}
        where {{ in_ranges(invalidated, 'observed', 'observed_date') }}
    {%- endif %}
    -- re-pulls repeat rows: the latest observation of the day wins, then the latest ingest,
    -- then the API pull over the archive count (for X, both are absolute counts)
    qualify row_number() over (
        partition by platform, account_id, observed_date
        order by observed_at desc, ingested_at desc, followers_source desc
    ) = 1
),

changes as (
    select * from {{ ref('int_follower_changes_unioned') }} as reported
    {%- if is_incremental() %}
        where {{ in_ranges(invalidated, 'reported', 'date') }}
    {%- endif %}
),

anchor_bounds as (
    select
        platform,
        account_id,
        min(observed_date) as first_anchor,
        max(observed_date) as last_anchor
    from end_of_day
    group by platform, account_id
),

-- reported net changes may reach beyond the anchors: the spine covers them, rows that cannot
-- be integrated are dropped at the end
bounds as (
    select
        anchor_bounds.platform,
        anchor_bounds.account_id,
        least(anchor_bounds.first_anchor, min(changes.date)) as first_date,
        greatest(anchor_bounds.last_anchor, max(changes.date)) as last_date
    from anchor_bounds
    left join changes
        on
            anchor_bounds.platform = changes.platform
            and anchor_bounds.account_id = changes.account_id
            and changes.net_change is not null
    group by
        anchor_bounds.platform, anchor_bounds.account_id, anchor_bounds.first_anchor,
        anchor_bounds.last_anchor
),

spine as (
    select
        platform,
        account_id,
        cast(unnest(generate_series(first_date, last_date, interval 1 day)) as date) as date
    from bounds
),

joined as (
    select
        spine.platform,
        spine.account_id,
        spine.date,
        end_of_day.observed_followers,
        end_of_day.last_observed_at,
        end_of_day.followers_source,
        changes.net_change,
        case when end_of_day.observed_followers is not null then spine.date end as observed_date
    from spine
    left join end_of_day
        on
            spine.platform = end_of_day.platform
            and spine.account_id = end_of_day.account_id
            and spine.date = end_of_day.observed_date
    left join changes
        on
            spine.platform = changes.platform
            and spine.account_id = changes.account_id
            and spine.date = changes.date
),

-- running totals of the known net changes and of the days without one
cumulated as (
    select
        *,
        sum(coalesce(net_change, 0)) over running as cum_net,
        sum(case when net_change is null then 1 else 0 end) over running as cum_missing
    from joined
    window running as (
        partition by platform, account_id order by date
        rows between unbounded preceding and current row
    )
),

neighbours as (
    select
        *,
        last_value(observed_followers ignore nulls) over before_day as prev_followers,
        last_value(observed_date ignore nulls) over before_day as prev_date,
        last_value(case when observed_date is not null then cum_net end ignore nulls)
            over before_day as prev_cum_net,
        last_value(case when observed_date is not null then cum_missing end ignore nulls)
            over before_day as prev_cum_missing,
        first_value(observed_followers ignore nulls) over after_day as next_followers,
        first_value(observed_date ignore nulls) over after_day as next_date,
        first_value(case when observed_date is not null then cum_net end ignore nulls)
            over after_day as next_cum_net,
        first_value(case when observed_date is not null then cum_missing end ignore nulls)
            over after_day as next_cum_missing
    from cumulated
    window
        before_day as (
            partition by platform, account_id order by date
            rows between unbounded preceding and current row
        ),
        after_day as (
            partition by platform, account_id order by date
            rows between current row and unbounded following
        )
),

segments as (
    select
        *,
        next_cum_missing - prev_cum_missing as segment_missing,
        next_date - prev_date as segment_days,
        -- what the reported changes do not account for between the two anchors
        next_followers - prev_followers - (next_cum_net - prev_cum_net) as segment_residual
    from neighbours
),

filled as (
    select
        platform,
        account_id,
        date,
        last_observed_at,
        followers_source,
        observed_followers is not null as is_observed,
        case
            when observed_followers is not null then 'observed'
            -- between anchors
            when prev_date is not null and next_date is not null
                then case
                    when segment_missing = segment_days then 'interpolated'
                    when net_change is null then 'interpolated'
                    else 'integrated'
                end
            -- beyond the last / before the first anchor: integrated when nothing is missing
            when prev_date is not null and cum_missing = prev_cum_missing then 'integrated'
            when next_date is not null and next_cum_missing = cum_missing then 'integrated'
        end as count_source,
        case
            when
                observed_followers is null
                and prev_date is not null
                and next_date is not null
                and segment_missing < segment_days
                then segment_residual
        end as reconciliation_residual,
        case
            when observed_followers is not null then observed_followers
            when prev_date is not null and next_date is not null
                then cast(round(
                    prev_followers + (cum_net - prev_cum_net)
                    + segment_residual * case
                        -- the residual goes to the days nobody reported, else evenly
                        when segment_missing > 0
                            then (cum_missing - prev_cum_missing) / segment_missing
                        else (date - prev_date) / segment_days
                    end
                ) as bigint)
            when prev_date is not null and cum_missing = prev_cum_missing
                then prev_followers + (cum_net - prev_cum_net)
            when next_date is not null and next_cum_missing = cum_missing
                then next_followers - (next_cum_net - cum_net)
        end as followers
    from segments
),

-- two archives on one day: their changes add up
archive_days as (
    select
        platform,
        account_id,
        span_end as date,
        min(span_start) as archive_span_start,
        cast(sum(followers_gained) as bigint) as archive_followers_gained,
        cast(sum(followers_lost) as bigint) as archive_followers_lost
    from {{ ref('int_archive_followers_diffed') }} as diffed
    {%- if is_incremental() %}
        where {{ in_ranges(invalidated, 'diffed', 'span_end') }}
    {%- endif %}
    group by platform, account_id, span_end
)

select
    filled.platform,
    filled.account_id,
    filled.date,
    filled.followers,
    -- as the platform reports them; X reports only totals, so gains and losses stay null
    changes.followers_gained,
    changes.followers_lost,
    -- gains the platform attributes to advertising (LinkedIn paidFollowerGain): real people
    changes.paid_followers_gained,
    filled.followers - lag(filled.followers) over (
        partition by filled.platform, filled.account_id order by filled.date
    ) as net_followers,
    filled.is_observed,
    filled.last_observed_at,
    filled.followers_source,
    filled.count_source,
    filled.reconciliation_residual,
    changes.net_change as reported_net_change,
    changes.changes_source,
    -- X archives diffed: followers who came / went between the previous archive and this day
    archive_days.archive_span_start,
    archive_days.archive_followers_gained,
    archive_days.archive_followers_lost
from filled
left join {{ ref('int_follower_changes_unioned') }} as changes
    on
        filled.platform = changes.platform
        and filled.account_id = changes.account_id
        and filled.date = changes.date
left join archive_days
    on
        filled.platform = archive_days.platform
        and filled.account_id = archive_days.account_id
        and filled.date = archive_days.date
-- a day outside the anchors whose count cannot be integrated has no count: not a row
where filled.followers is not null
{%- if is_incremental() %}
    -- after the lag above: the first day written takes its net change from the anchor day
    qualify {{ in_ranges(invalidated, 'filled', 'date', 'write_from') }}
{%- endif %}
