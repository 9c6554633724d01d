-- Each account-day with the account's own expected daily net gain, from its previous 28 days:
-- median and MAD are robust to the spikes we are looking for. The band is 5 robust sigmas,
-- not 3: on simulated organic growth 3 sigmas flagged about one false episode per 250
-- account-days (daily gains are heavier-tailed than normal). A floor keeps small, flat
-- accounts (MAD near 0) from flagging every +7 day.
with daily as (
    select * from {{ ref('int_followers_filled') }}
),

baselines as (
    select
        *,
        lag(followers) over (partition by platform, account_id order by date) as followers_before,
        median(net_followers) over previous_28_days as expected_net,
        mad(net_followers) over previous_28_days as mad_net,
        count(net_followers) over previous_28_days as history_days
    from daily
    window previous_28_days as (
        partition by platform, account_id order by date
        rows between 28 preceding and 1 preceding
    )
),

tolerated as (
    select
        *,
        greatest(
            {{ var('spike_mad_multiplier', 5) }} * 1.4826 * coalesce(mad_net, 0),
            {{ var('spike_min_tolerance', 10) }},
            {{ var('spike_tolerance_share_of_followers', 0.0005) }} * coalesce(followers_before, 0)
        ) as tolerance
    from baselines
)

select
    *,
    coalesce(
        history_days >= {{ var('spike_min_history_days', 7) }}
        and net_followers > expected_net + tolerance,
        false
    ) as is_abnormal
from tolerated
