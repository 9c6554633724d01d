{#- The X user-object columns, renamed and cast: shared by users lookups and followers pages,
    which carry the same user object. -#}
{% macro stg_x_profile_columns() %}
    cast(username as varchar) as username,
    cast(name as varchar) as display_name,
    cast(description as varchar) as bio,
    cast(location as varchar) as location,
    cast(url as varchar) as profile_url,
    cast(profile_image_url as varchar) as profile_image_url,
    cast(protected as boolean) as is_protected,
    cast(verified as boolean) as is_verified,
    cast(created_at as timestamptz) as account_created_at,
    cast(followers_count as bigint) as followers_count,
    cast(following_count as bigint) as following_count,
    cast(tweet_count as bigint) as tweet_count,
    cast(like_count as bigint) as like_count,
{%- endmacro %}
