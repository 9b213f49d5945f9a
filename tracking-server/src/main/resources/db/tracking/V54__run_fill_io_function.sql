-- The dataset inputs (and their tags), model inputs and model outputs of a page of runs, as rows of the fill's shape
-- (RunStore.fillBranches: kind, run_uuid, seven texts, a double, three longs, a row number). Almost every run has none,
-- yet as four branches of the search's statement they cost each search their planning (~0.3 ms of the statement's
-- ~1 ms of planning: the server plans every statement for its actual values, plan_cache_mode=force_custom_plan).
-- Inside this function they are planned once per connection with generic plans (their only parameter is the array of
-- run ids; the plans are index look-ups whatever its value). STABLE: the queries read with the calling statement's
-- snapshot, so a page and its inputs and outputs are still one consistent read.
CREATE FUNCTION run_fill_io(ids text[]) RETURNS TABLE (kind integer, run_uuid text, a text, b text, c text, d text,
        e text, f text, g text, v double precision, n1 bigint, n2 bigint, n3 bigint, rn bigint)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
    RETURN QUERY SELECT 3, i.run_uuid::text, ds.dataset_uuid::text, ds.name::text, ds.digest::text, ds.source_type::text,
            ds.source::text, ds.schema::text, ds.profile::text, NULL::float8, i.position, NULL::bigint, NULL::bigint,
            NULL::bigint
        FROM run_dataset_inputs i JOIN datasets ds ON ds.dataset_uuid = i.dataset_uuid WHERE i.run_uuid = ANY(ids);
    RETURN QUERY SELECT 4, t.run_uuid::text, t.dataset_uuid::text, t.key::text, t.value::text, NULL::text, NULL::text,
            NULL::text, NULL::text, NULL::float8, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint
        FROM run_dataset_input_tags t WHERE t.run_uuid = ANY(ids);
    RETURN QUERY SELECT 5, mi.run_uuid::text, mi.model_id::text, NULL::text, NULL::text, NULL::text, NULL::text,
            NULL::text, NULL::text, NULL::float8, mi.position, NULL::bigint, NULL::bigint, NULL::bigint
        FROM run_model_inputs mi WHERE mi.run_uuid = ANY(ids);
    RETURN QUERY SELECT 6, mo.run_uuid::text, mo.model_id::text, NULL::text, NULL::text, NULL::text, NULL::text,
            NULL::text, NULL::text, NULL::float8, mo.position, mo.step, NULL::bigint, NULL::bigint
        FROM run_model_outputs mo WHERE mo.run_uuid = ANY(ids);
END
$$;
