-- Per account-day: the gain the detector saw, the gain the account's own history leads us to
-- expect, and the upper edge of the normal band - the gain at which the day alone becomes
-- abnormal (the var('spike_tail_z') quantile of the account's negative binomial, and at least
-- the least excess that counts). Charts draw this band; it is the detector's, not redrawn.
-- Incremental: the account-days int_follower_days_invalidated names are recomputed.
-- depends_on: {{ ref('int_follower_days_invalidated') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_invalidated_days(ref('int_follower_days_invalidated')) }}",
    post_hook="{{ refresh_account_names(('handle',)) }}",
) }}
select
    baselined.platform,
    baselined.account_id,
    account_names.handle,
    baselined.date,
    baselined.gain as followers_gain,
    baselined.is_gain_observed,
    case when baselined.history_days > 0 then baselined.expected_gain end as expected_gain,
    case
        when baselined.history_days > 0
            then greatest(
                {{ nb_tail_quantile(
                    var('spike_tail_z'), 'baselined.expected_gain', 'baselined.gain_variance'
                ) }},
                baselined.expected_gain + baselined.min_excess
            )
    end as expected_gain_upper,
    baselined.is_abnormal
from {{ ref('int_followers_baselined') }} as baselined
left join {{ ref('int_account_names_latest') }} as account_names
    on
        baselined.platform = account_names.platform
        and baselined.account_id = account_names.account_id
{%- if is_incremental() %}
    where {{ in_ranges(ref('int_follower_days_invalidated'), 'baselined', 'date', 'write_from') }}
{%- endif %}
