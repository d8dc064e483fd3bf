"""Every construct prisma-client-py 0.11 emits that LiteLLM uses for models, keys, users, teams and spend,
through the Prisma WASM shim, against a real PostgreSQL with LiteLLM's migrations applied.
Where it matters the result is also read straight from PostgreSQL with psql (fixture `sql`)."""
import datetime as dt
import json
import uuid

import pytest
from prisma import Json, errors, types

UTC = dt.timezone.utc


def uid(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def make_key(run, db, **data):
    data.setdefault("token", uid("tok"))
    return run(db.litellm_verificationtoken.create(data=data))


# ------------------------------------------------------------------------------------------ create / read
def test_create_and_find_unique_round_trip_types(run, db, sql):
    expires = dt.datetime(2031, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)
    tok = make_key(run, db, key_alias="alias ü \"quoted\" \\ back", models=["gpt-4o", "m,with,commas", ""],
                   metadata=Json({"team": "x", "nested": {"list": [1, 2.5, None, True], "s": "é"}}),
                   spend=0.0, max_budget=10.5, tpm_limit=2**40, expires=expires)
    got = run(db.litellm_verificationtoken.find_unique(where={"token": tok.token}))
    assert got.key_alias == "alias ü \"quoted\" \\ back"
    assert got.models == ["gpt-4o", "m,with,commas", ""]
    assert got.metadata == {"team": "x", "nested": {"list": [1, 2.5, None, True], "s": "é"}}
    assert got.spend == 0.0 and isinstance(got.spend, float)
    assert got.max_budget == 10.5
    assert got.tpm_limit == 2**40  # BigInt
    assert got.expires == expires
    assert got.created_at is not None and got.created_at.tzinfo is not None
    assert got.aliases == {} and got.blocked is None  # defaults
    # stored as real JSON / arrays / timestamps, not as strings
    row = sql(f"""select jsonb_typeof(metadata::jsonb), metadata->'nested'->>'s', array_length(models, 1),
                  tpm_limit, to_char(expires at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')
                  from "LiteLLM_VerificationToken" where token = '{tok.token}'""")
    assert row == [["object", "é", "3", str(2**40), "2031-05-06 07:08:09.123"]]


def test_json_scalar_values(run, db, sql):
    for value in ("a string", 42, 1.5, True, ["a", 1], {"k": None}):
        tok = make_key(run, db, metadata=Json(value))
        assert run(db.litellm_verificationtoken.find_unique(where={"token": tok.token})).metadata == value
        stored = sql(f"""select metadata::text from "LiteLLM_VerificationToken" where token = '{tok.token}'""")
        assert json.loads(stored[0][0]) == value


def test_find_unique_missing_and_or_raise(run, db):
    assert run(db.litellm_verificationtoken.find_unique(where={"token": "nope"})) is None
    with pytest.raises(errors.RecordNotFoundError):
        run(db.litellm_verificationtoken.find_unique_or_raise(where={"token": "nope"}))
    with pytest.raises(errors.RecordNotFoundError):
        run(db.litellm_verificationtoken.find_first_or_raise(where={"token": "nope"}))


def test_unique_violation(run, db):
    tok = make_key(run, db)
    with pytest.raises(errors.UniqueViolationError):
        make_key(run, db, token=tok.token)


def test_nested_create_connect_and_include(run, db):
    budget_id = uid("budget")
    tok = make_key(run, db, litellm_budget_table={"create": {
        "budget_id": budget_id, "max_budget": 7.0, "created_by": "t", "updated_by": "t"}})
    got = run(db.litellm_verificationtoken.find_unique(where={"token": tok.token},
                                                       include={"litellm_budget_table": True}))
    assert got.budget_id == budget_id and got.litellm_budget_table.max_budget == 7.0
    other = make_key(run, db, spend=3.0, litellm_budget_table={"connect": {"budget_id": budget_id}})
    # include a to-many relation with arguments (where / order / take)
    budget = run(db.litellm_budgettable.find_unique(where={"budget_id": budget_id}, include={
        "keys": {"where": {"spend": {"gt": 1}}, "order_by": {"spend": "desc"}, "take": 5}}))
    assert [k.token for k in budget.keys] == [other.token]
    budget = run(db.litellm_budgettable.find_unique(where={"budget_id": budget_id},
                                                    include={"keys": True}))
    assert sorted(k.token for k in budget.keys) == sorted([tok.token, other.token])
    # relation filter
    found = run(db.litellm_verificationtoken.find_many(where={"litellm_budget_table": {"is": {"budget_id": budget_id}}}))
    assert len(found) == 2


# ------------------------------------------------------------------------------------------ filters
@pytest.fixture(scope="module")
def keys(run, db):
    """Five keys with distinct values for filter tests, all tagged with one group marker in key_name."""
    group = uid("grp")
    base = dt.datetime(2030, 1, 1, tzinfo=UTC)
    specs = [
        dict(key_alias="Alpha-1", spend=1.0, models=["a", "b"], team_id="t1", metadata=Json({"env": "prod", "n": 1})),
        dict(key_alias="alpha-2", spend=2.0, models=["b"], team_id="t1", metadata=Json({"env": "dev", "n": 2})),
        dict(key_alias="Beta-3", spend=3.0, models=[], team_id="t2", metadata=Json({"env": "prod", "n": 3})),
        dict(key_alias="gamma-4", spend=4.0, models=["c"], team_id=None, metadata=Json({"env": "dev", "e": {"code": "429"}})),
        dict(key_alias=None, spend=5.0, models=["a", "c"], team_id="t3", metadata=Json({})),
    ]
    made = []
    for i, spec in enumerate(specs):
        made.append(make_key(run, db, token=f"{group}-{i}", key_name=group,
                             expires=base + dt.timedelta(days=i), **spec))
    return group, made


def tokens(run, db, group, where, **kw):
    rows = run(db.litellm_verificationtoken.find_many(where={"key_name": group, **where}, **kw))
    return [int(r.token.rsplit("-", 1)[1]) for r in rows]


@pytest.mark.parametrize("where, expected", [
    ({"team_id": "t1"}, [0, 1]),
    ({"team_id": {"equals": "t2"}}, [2]),
    ({"team_id": None}, [3]),
    ({"team_id": {"not": None}}, [0, 1, 2, 4]),
    ({"team_id": {"in": ["t2", "t3"]}}, [2, 4]),
    ({"team_id": {"not_in": ["t1"]}}, [2, 4]),
    ({"team_id": {"not": "t1"}}, [2, 4]),
    ({"team_id": {"not": {"in": ["t1", "t2"]}}}, [4]),
    ({"key_alias": {"contains": "Alp"}}, [0]),
    ({"key_alias": {"contains": "ALP", "mode": "insensitive"}}, [0, 1]),
    ({"key_alias": {"startswith": "alpha"}}, [1]),
    ({"key_alias": {"startswith": "ALPHA", "mode": "insensitive"}}, [0, 1]),
    ({"key_alias": {"endswith": "-3"}}, [2]),
    ({"spend": {"gt": 2}}, [2, 3, 4]),
    ({"spend": {"gte": 2, "lt": 4}}, [1, 2]),
    ({"spend": {"lte": 1.0}}, [0]),
    ({"expires": {"gte": dt.datetime(2030, 1, 3, tzinfo=UTC)}}, [2, 3, 4]),
    ({"expires": {"lt": dt.datetime(2030, 1, 2, 12, tzinfo=UTC)}}, [0, 1]),
    ({"models": {"has": "a"}}, [0, 4]),
    ({"models": {"has_some": ["b", "c"]}}, [0, 1, 3, 4]),
    ({"models": {"has_every": ["a", "c"]}}, [4]),
    ({"models": {"is_empty": True}}, [2]),
    ({"AND": [{"team_id": "t1"}, {"spend": {"gt": 1}}]}, [1]),
    ({"OR": [{"team_id": "t2"}, {"key_alias": "gamma-4"}]}, [2, 3]),
    ({"NOT": [{"team_id": "t1"}]}, [2, 4]),  # SQL semantics: NULL team_id is neither
    ({"NOT": {"spend": {"lt": 5}}}, [4]),
    ({"OR": [{"AND": [{"team_id": "t1"}, {"NOT": {"key_alias": "alpha-2"}}]}, {"spend": 5}]}, [0, 4]),
    ({"metadata": {"equals": Json({"env": "dev", "n": 2})}}, [1]),
    ({"metadata": {"path": ["env"], "equals": Json("prod")}}, [0, 2]),
    ({"metadata": {"path": ["e", "code"], "equals": '"429"'}}, [3]),  # LiteLLM passes pre-encoded JSON
    ({"metadata": {"path": ["env"], "string_contains": "ro"}}, [0, 2]),
    ({"metadata": {"path": ["env"], "string_starts_with": "d"}}, [1, 3]),
    ({"metadata": {"path": ["n"], "gt": Json(1)}}, [1, 2]),
])
def test_where_filters(run, db, keys, where, expected):
    group = keys[0]
    assert sorted(tokens(run, db, group, where)) == expected


def test_order_take_skip_cursor_distinct(run, db, keys):
    group, made = keys
    assert tokens(run, db, group, {}, order={"spend": "desc"}) == [4, 3, 2, 1, 0]
    assert tokens(run, db, group, {}, order=[{"team_id": "asc"}, {"spend": "desc"}]) == [1, 0, 2, 4, 3]
    assert tokens(run, db, group, {}, order={"spend": "asc"}, take=2, skip=1) == [1, 2]
    assert tokens(run, db, group, {}, order={"spend": "asc"}, cursor={"token": made[2].token}, take=2) == [2, 3]
    distinct = run(db.litellm_verificationtoken.find_many(where={"key_name": group, "team_id": {"not": None}},
                                                          distinct=["team_id"], order={"team_id": "asc"}))
    assert [r.team_id for r in distinct] == ["t1", "t2", "t3"]
    first = run(db.litellm_verificationtoken.find_first(where={"key_name": group}, order={"spend": "desc"}))
    assert first.token == made[4].token
    assert run(db.litellm_verificationtoken.find_first(where={"key_name": group}, skip=10)) is None


def test_count_and_group_by(run, db, keys):
    group = keys[0]
    assert run(db.litellm_verificationtoken.count(where={"key_name": group})) == 5
    assert run(db.litellm_verificationtoken.count(where={"key_name": group, "team_id": "t1"})) == 2
    assert run(db.litellm_verificationtoken.count(where={"key_name": group}, take=3)) == 3
    rows = run(db.litellm_verificationtoken.group_by(
        by=["team_id"], where={"key_name": group}, count={"_all": True}, sum={"spend": True},
        avg={"spend": True}, min={"spend": True}, max={"expires": True}, order={"team_id": "asc"}))
    by_team = {r["team_id"]: r for r in rows}
    assert set(by_team) == {"t1", "t2", "t3", None}
    assert by_team["t1"]["_count"]["_all"] == 2
    assert by_team["t1"]["_sum"]["spend"] == 3.0 and by_team["t1"]["_avg"]["spend"] == 1.5
    assert by_team["t2"]["_min"]["spend"] == 3.0
    assert by_team["t1"]["_max"]["expires"] == "2030-01-02T00:00:00.000Z"  # group_by results are not parsed
    having = run(db.litellm_verificationtoken.group_by(
        by=["team_id"], where={"key_name": group}, sum={"spend": True}, having={"spend": {"_sum": {"gt": 3}}}))
    assert sorted(r["team_id"] or "" for r in having) == ["", "t3"]


# ------------------------------------------------------------------------------------------ writes
def test_update_operators(run, db, sql):
    tok = make_key(run, db, spend=1.5, models=["a"], tpm_limit=10, max_budget=2.0,
                   metadata=Json({"v": 1}), rpm_limit=None)
    up = run(db.litellm_verificationtoken.update(where={"token": tok.token}, data={
        "spend": {"increment": 2.25}, "tpm_limit": {"increment": 5}, "max_budget": {"multiply": 3},
        "models": {"push": ["b", "c"]}, "metadata": Json({"v": 2, "list": []}), "blocked": True,
        "rpm_limit": 7, "key_alias": None}))
    assert up.spend == 3.75 and up.tpm_limit == 15 and up.max_budget == 6.0
    assert up.models == ["a", "b", "c"] and up.metadata == {"v": 2, "list": []} and up.blocked is True
    up = run(db.litellm_verificationtoken.update(where={"token": tok.token}, data={
        "spend": {"decrement": 0.75}, "models": {"set": []}, "rpm_limit": {"set": None}, "max_budget": {"divide": 4}}))
    assert up.spend == 3.0 and up.models == [] and up.rpm_limit is None and up.max_budget == 1.5
    assert sql(f"""select spend, rpm_limit is null, cardinality(models) from "LiteLLM_VerificationToken"
                   where token = '{tok.token}'""") == [["3", "t", "0"]]
    assert run(db.litellm_verificationtoken.update(where={"token": "missing"}, data={"spend": 1})) is None


def test_update_with_relation_and_include(run, db):
    budget_id = uid("budget")
    run(db.litellm_budgettable.create(data={"budget_id": budget_id, "created_by": "t", "updated_by": "t"}))
    tok = make_key(run, db)
    up = run(db.litellm_verificationtoken.update(
        where={"token": tok.token}, data={"litellm_budget_table": {"connect": {"budget_id": budget_id}}},
        include={"litellm_budget_table": True}))
    assert up.litellm_budget_table.budget_id == budget_id
    up = run(db.litellm_verificationtoken.update(where={"token": tok.token},
                                                 data={"litellm_budget_table": {"disconnect": True}}))
    assert up.budget_id is None


def test_update_many_and_delete_many(run, db):
    group = uid("grp")
    for i in range(3):
        make_key(run, db, token=f"{group}-{i}", key_name=group, spend=float(i))
    n = run(db.litellm_verificationtoken.update_many(where={"key_name": group, "spend": {"gte": 1}},
                                                     data={"blocked": True, "spend": {"increment": 10}}))
    assert n == 2
    blocked = run(db.litellm_verificationtoken.find_many(where={"key_name": group, "blocked": True}, order={"spend": "asc"}))
    assert [k.spend for k in blocked] == [11.0, 12.0]
    assert run(db.litellm_verificationtoken.update_many(where={"key_name": "none"}, data={"blocked": True})) == 0
    assert run(db.litellm_verificationtoken.delete_many(where={"key_name": group, "blocked": True})) == 2
    assert run(db.litellm_verificationtoken.delete_many(where={"key_name": group})) == 1


def test_create_many_skip_duplicates(run, db, sql):
    group = uid("grp")
    rows = [{"request_id": f"{group}-{i}", "call_type": "acompletion", "api_key": group, "spend": 0.5 * i,
             "startTime": dt.datetime(2030, 1, 1, tzinfo=UTC), "endTime": dt.datetime(2030, 1, 1, 0, 0, 1, tzinfo=UTC),
             "metadata": Json({"i": i}), "request_tags": Json(["x"])} for i in range(3)]
    assert run(db.litellm_spendlogs.create_many(data=rows)) == 3
    assert run(db.litellm_spendlogs.create_many(data=rows + [dict(rows[0], request_id=f"{group}-9")],
                                                skip_duplicates=True)) == 1
    with pytest.raises(errors.UniqueViolationError):
        run(db.litellm_spendlogs.create_many(data=rows[:1]))
    assert sql(f"""select count(*), sum(spend), min(metadata->>'i'), min(request_tags->>0)
                   from "LiteLLM_SpendLogs" where api_key = '{group}'""") == [["4", "1.5", "0", "x"]]


def test_upsert_single_and_compound_unique(run, db):
    team_id = uid("team")
    args = dict(where={"team_id": team_id}, data={
        "create": {"team_id": team_id, "team_alias": "first", "metadata": Json({"a": 1}), "members_with_roles": Json([])},
        "update": {"team_alias": "second", "spend": {"increment": 1.5}}})
    assert run(db.litellm_teamtable.upsert(**args)).team_alias == "first"
    again = run(db.litellm_teamtable.upsert(**args))
    assert again.team_alias == "second" and again.spend == 1.5 and again.metadata == {"a": 1}

    # LiteLLM's daily spend tables upsert on a compound unique key; its name depends on the schema version
    prefix = "_LiteLLM_DailyUserSpendCompound"
    compound = next(n[len(prefix):-3] for n in dir(types) if n.startswith(prefix + "user_id") and n.endswith("Key"))
    fields = getattr(types, f"{prefix}{compound}KeyInner").__annotations__
    key = {"user_id": uid("user"), "date": "2030-01-01", "api_key": "hash", "model": "m", "custom_llm_provider": "openai",
           "mcp_namespaced_tool_name": "", "endpoint": "/chat/completions"}
    unique = {k: key[k] for k in fields}
    for _attempt in range(2):
        row = run(db.litellm_dailyuserspend.upsert(where={compound: unique}, data={
            "create": {**unique, "spend": 1.0, "prompt_tokens": 10, "api_requests": 1},
            "update": {"spend": {"increment": 1.0}, "prompt_tokens": {"increment": 10}, "api_requests": {"increment": 1}}}))
    assert row.spend == 2.0 and row.prompt_tokens == 20 and row.api_requests == 2
    found = run(db.litellm_dailyuserspend.find_unique(where={compound: unique}))
    assert found.id == row.id


def test_delete(run, db):
    team = run(db.litellm_teamtable.create(data={"team_id": uid("team"), "models": ["a"]}))
    assert run(db.litellm_teamtable.delete(where={"team_id": team.team_id})).models == ["a"]
    assert run(db.litellm_teamtable.delete(where={"team_id": team.team_id})) is None


def test_users_and_teams_like_litellm(run, db):
    team_id, user_id = uid("team"), uid("user")
    run(db.litellm_teamtable.create(data={
        "team_id": team_id, "team_alias": "T", "members_with_roles": Json([{"role": "admin", "user_id": user_id}]),
        "metadata": Json({}), "models": [], "admins": [], "members": []}))
    run(db.litellm_usertable.create(data={"user_id": user_id, "user_email": f"{user_id}@example.com",
                                          "teams": [team_id], "models": [], "metadata": Json({})}))
    users = run(db.litellm_usertable.find_many(where={"teams": {"has": team_id}}))
    assert [u.user_id for u in users] == [user_id]
    team = run(db.litellm_teamtable.find_unique(where={"team_id": team_id}))
    assert team.members_with_roles == [{"role": "admin", "user_id": user_id}]
    run(db.litellm_usertable.update(where={"user_id": user_id}, data={"teams": {"set": []}}))
    assert run(db.litellm_usertable.find_many(where={"teams": {"has": team_id}})) == []


# ------------------------------------------------------------------------------------------ batches, transactions
def test_batch(run, db):
    group = uid("grp")

    async def go():
        async with db.batch_() as batch:
            for i in range(3):
                batch.litellm_verificationtoken.create(data={"token": f"{group}-{i}", "key_name": group})
            batch.litellm_verificationtoken.update(where={"token": f"{group}-0"}, data={"spend": {"increment": 4}})
            batch.litellm_verificationtoken.delete(where={"token": f"{group}-2"})
            batch.litellm_verificationtoken.update_many(where={"key_name": group}, data={"blocked": True})
            batch.execute_raw('UPDATE "LiteLLM_VerificationToken" SET key_alias = $1 WHERE key_name = $2', "b", group)
    run(go())
    rows = run(db.litellm_verificationtoken.find_many(where={"key_name": group}, order={"token": "asc"}))
    assert [(r.spend, r.blocked, r.key_alias) for r in rows] == [(4.0, True, "b"), (0.0, True, "b")]


def test_batch_is_atomic(run, db):
    group = uid("grp")
    existing = make_key(run, db)

    async def go():
        async with db.batch_() as batch:
            batch.litellm_verificationtoken.create(data={"token": f"{group}-0", "key_name": group})
            batch.litellm_verificationtoken.create(data={"token": existing.token})  # duplicate
    with pytest.raises(errors.UniqueViolationError):
        run(go())
    assert run(db.litellm_verificationtoken.count(where={"key_name": group})) == 0


def test_interactive_transaction_commit_and_rollback(run, db):
    group = uid("grp")

    async def commit():
        async with db.tx() as tx:
            await tx.litellm_verificationtoken.create(data={"token": f"{group}-0", "key_name": group})
            # reads inside the transaction see its own writes
            assert await tx.litellm_verificationtoken.count(where={"key_name": group}) == 1
            await tx.litellm_verificationtoken.update(where={"token": f"{group}-0"}, data={"spend": 1})
    run(commit())
    assert run(db.litellm_verificationtoken.find_unique(where={"token": f"{group}-0"})).spend == 1.0

    async def rollback():
        async with db.tx() as tx:
            await tx.litellm_verificationtoken.create(data={"token": f"{group}-1", "key_name": group})
            await tx.litellm_verificationtoken.update(where={"token": f"{group}-0"}, data={"spend": 99})
            raise RuntimeError("abort")
    with pytest.raises(RuntimeError):
        run(rollback())
    assert run(db.litellm_verificationtoken.count(where={"key_name": group})) == 1
    assert run(db.litellm_verificationtoken.find_unique(where={"token": f"{group}-0"})).spend == 1.0


def test_transaction_manager_explicit_start_commit(run, db):
    group = uid("grp")

    async def go():
        manager = db.tx(timeout=dt.timedelta(seconds=10), max_wait=dt.timedelta(seconds=5))
        tx = await manager.start()
        await tx.litellm_verificationtoken.create(data={"token": f"{group}-0", "key_name": group})
        await tx.execute_raw('UPDATE "LiteLLM_VerificationToken" SET spend = 5 WHERE token = $1', f"{group}-0")
        await manager.commit()
    run(go())
    assert run(db.litellm_verificationtoken.find_unique(where={"token": f"{group}-0"})).spend == 5.0


# ------------------------------------------------------------------------------------------ raw queries
def test_query_raw_types(run, db):
    rows = run(db.query_raw("""
        SELECT 'txt'::text AS t, 42::int AS i, (2^40)::bigint AS big, 1.5::float8 AS f, 2::float8 AS f_whole,
               12.345::numeric AS num, true AS b, NULL::text AS n,
               '2030-01-02T03:04:05.678Z'::timestamptz AS ts, '2030-01-02 03:04:05'::timestamp AS ts_naive,
               '2030-01-02'::date AS d, '1 hour 30 minutes'::interval AS iv, 'pg_class'::name AS nm,
               'pg_class'::regclass AS rc, ARRAY['a','b']::text[] AS arr, ARRAY[1,2]::int[] AS iarr,
               ARRAY['x','y']::name[] AS narr, ARRAY[]::text[] AS empty_arr,
               '{"k": [1, "v"]}'::jsonb AS jb, '[1]'::json AS js,
               '6b1f0a1e-7ad6-4c1b-9a51-0c2a4d0c9b1e'::uuid AS u, 'a'::char AS ch, 'x'::varchar(5) AS vc
    """))
    assert len(rows) == 1
    r = rows[0]
    assert r["t"] == "txt" and r["i"] == 42 and r["big"] == 2**40 and r["b"] is True and r["n"] is None
    assert r["f"] == 1.5 and r["f_whole"] == 2.0 and isinstance(r["f_whole"], float)
    assert r["num"] == 12.345
    assert r["ts"].startswith("2030-01-02T03:04:05.678")
    assert r["ts_naive"].startswith("2030-01-02T03:04:05")
    assert r["d"].startswith("2030-01-02")
    assert r["iv"] == "01:30:00"  # PostgreSQL's own text form, as the native engine returned it
    assert r["nm"] == "pg_class" and r["rc"] == "pg_class"
    assert r["arr"] == ["a", "b"] and r["iarr"] == [1, 2] and r["narr"] == ["x", "y"] and r["empty_arr"] == []
    assert r["jb"] == {"k": [1, "v"]} and r["js"] == [1]
    assert r["u"] == "6b1f0a1e-7ad6-4c1b-9a51-0c2a4d0c9b1e" and r["ch"] == "a" and r["vc"] == "x"


def test_query_raw_parameters_and_models(run, db):
    group = uid("grp")
    for i in range(3):
        make_key(run, db, token=f"{group}-{i}", key_name=group, spend=float(i), models=["m"], metadata=Json({"i": i}))
    rows = run(db.query_raw('SELECT token, spend, models, metadata FROM "LiteLLM_VerificationToken" '
                            'WHERE key_name = $1 AND spend >= $2 ORDER BY spend', group, 1))
    assert [(r["spend"], r["models"], r["metadata"]) for r in rows] == [(1.0, ["m"], {"i": 1}), (2.0, ["m"], {"i": 2})]
    # results parsed into a model, as LiteLLM does for views
    from prisma.models import LiteLLM_VerificationToken
    keys = run(db.query_raw('SELECT * FROM "LiteLLM_VerificationToken" WHERE key_name = $1 ORDER BY token', group,
                            model=LiteLLM_VerificationToken))
    assert [k.metadata for k in keys] == [{"i": 0}, {"i": 1}, {"i": 2}]
    first = run(db.query_first('SELECT count(*)::int AS n, $1::text AS echo, $2::text[] AS arr, $3::timestamptz AS at',
                               group, ["p", "q"], dt.datetime(2030, 1, 1, tzinfo=UTC)))
    assert first["n"] > 0 and first["echo"] == group and first["arr"] == ["p", "q"]
    assert first["at"].startswith("2030-01-01T00:00:00")
    assert run(db.query_first("SELECT 1 AS x WHERE false")) is None
    assert run(db.query_raw("SELECT 1 AS x WHERE false")) == []


def test_execute_raw(run, db, sql):
    group = uid("grp")
    for i in range(2):
        make_key(run, db, token=f"{group}-{i}", key_name=group)
    n = run(db.execute_raw('UPDATE "LiteLLM_VerificationToken" SET spend = spend + $1, metadata = $2::jsonb '
                           'WHERE key_name = $3', 1.25, json.dumps({"raw": True}), group))
    assert n == 2
    assert sql(f"""select spend, metadata->>'raw' from "LiteLLM_VerificationToken" where key_name = '{group}'""") == \
        [["1.25", "true"], ["1.25", "true"]]
    # DDL and statements LiteLLM runs at start-up (views, extensions) return 0
    assert run(db.execute_raw(f'CREATE OR REPLACE VIEW "shim_test_{group.replace("-", "_")}" AS SELECT 1 AS one')) == 0
    with pytest.raises(errors.RawQueryError):
        run(db.execute_raw("SELECT * FROM no_such_table"))


def test_query_raw_array_agg_of_names(run, db):
    # LiteLLM's start-up check for its spend views
    rows = run(db.query_raw("""SELECT ARRAY_AGG(viewname) AS views FROM pg_views WHERE schemaname = 'pg_catalog'
                               AND viewname IN ('pg_tables', 'pg_views')"""))
    assert sorted(rows[0]["views"]) == ["pg_tables", "pg_views"]


def test_concurrent_queries(run, db):
    import asyncio

    group = uid("grp")

    async def go():
        await asyncio.gather(*[db.litellm_verificationtoken.create(data={"token": f"{group}-{i}", "key_name": group})
                               for i in range(30)])
        counts = await asyncio.gather(*[db.litellm_verificationtoken.count(where={"key_name": group}) for _i in range(10)])
        return counts
    assert run(go()) == [30] * 10


# ------------------------------------------------------------------------------------------ edge cases
def test_bigint_precision_and_numbers(run, db, sql):
    big = 2**62 + 1  # beyond JavaScript's safe integers
    tok = make_key(run, db, tpm_limit=big, rpm_limit=-(2**53) - 3, spend=1e-7, max_budget=123456789.125)
    got = run(db.litellm_verificationtoken.find_unique(where={"token": tok.token}))
    assert got.tpm_limit == big and got.rpm_limit == -(2**53) - 3
    assert got.spend == 1e-7 and got.max_budget == 123456789.125
    assert sql(f"""select tpm_limit from "LiteLLM_VerificationToken" where token = '{tok.token}'""") == [[str(big)]]
    assert [k.token for k in run(db.litellm_verificationtoken.find_many(where={"tpm_limit": big}))] == [tok.token]
    up = run(db.litellm_verificationtoken.update(where={"token": tok.token}, data={"tpm_limit": {"increment": 2}}))
    assert up.tpm_limit == big + 2
    rows = run(db.query_raw('SELECT tpm_limit FROM "LiteLLM_VerificationToken" WHERE token = $1', tok.token))
    assert rows == [{"tpm_limit": big + 2}]


def test_strings_that_stress_the_graphql_encoding(run, db):
    # (not "\u2028": prisma-client-py's query builder indents the text after it, whatever the engine)
    odd = ['{}()[]:,#"\\', "line1\nline2\ttab\r", "emoji 🎉 and 中文", "null", "true", "-1.5e3", "query { x }", "$type"]
    tok = make_key(run, db, models=odd, key_alias=odd[0], metadata=Json({k: k for k in odd}))
    got = run(db.litellm_verificationtoken.find_unique(where={"token": tok.token}))
    assert got.models == odd and got.key_alias == odd[0] and got.metadata == {k: k for k in odd}
    for s in odd:
        assert tok.token in [k.token for k in run(db.litellm_verificationtoken.find_many(where={"models": {"has": s}}))]


def test_json_null_and_nested_tags(run, db):
    tok = make_key(run, db, metadata=Json(None), config=Json({"$type": "Json", "value": "x"}))
    got = run(db.litellm_verificationtoken.find_unique(where={"token": tok.token}))
    assert got.metadata is None and got.config == {"$type": "Json", "value": "x"}


def test_naive_and_offset_datetimes(run, db):
    naive = dt.datetime(2030, 6, 1, 12, 0, 0)
    offset = dt.datetime(2030, 6, 1, 14, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    a = make_key(run, db, expires=naive)
    b = make_key(run, db, expires=offset)
    got_a = run(db.litellm_verificationtoken.find_unique(where={"token": a.token})).expires
    got_b = run(db.litellm_verificationtoken.find_unique(where={"token": b.token})).expires
    assert got_b == offset  # same instant
    assert got_a.replace(tzinfo=None) == naive  # prisma-client-py sends naive datetimes as UTC


def test_enum_field(run, db):
    job = run(db.litellm_cronjob.create(data={"pod_id": uid("pod"), "status": "ACTIVE",
                                              "ttl": dt.datetime(2030, 1, 1, tzinfo=UTC)}))
    assert job.status == "ACTIVE" and job.cronjob_id  # cuid() default
    found = run(db.litellm_cronjob.find_many(where={"pod_id": job.pod_id, "status": {"in": ["ACTIVE"]}}))
    assert [j.cronjob_id for j in found] == [job.cronjob_id]
    run(db.litellm_cronjob.update(where={"cronjob_id": job.cronjob_id}, data={"status": "INACTIVE"}))
    assert run(db.litellm_cronjob.find_unique(where={"cronjob_id": job.cronjob_id})).status == "INACTIVE"


def test_group_by_like_litellm_spend_reports(run, db):
    user = uid("user")
    for day, model, tokens, spend in [("2030-01-01", "a", 10, 1.0), ("2030-01-01", "b", 5, 3.0),
                                      ("2030-01-02", "a", 7, 0.5)]:
        run(db.litellm_dailyuserspend.create(data={"user_id": user, "date": day, "api_key": "k", "model": model,
                                                   "prompt_tokens": tokens, "spend": spend}))
    rows = run(db.litellm_dailyuserspend.group_by(by=["model"], where={"user_id": user},
                                                  sum={"spend": True, "prompt_tokens": True},
                                                  order={"_sum": {"spend": "desc"}}, take=1))
    assert rows == [{"model": "b", "_sum": {"spend": 3.0, "prompt_tokens": 5}}]
    rows = run(db.litellm_dailyuserspend.group_by(by=["date"], where={"user_id": user, "date": {"gte": "2030-01-01"}},
                                                  sum={"prompt_tokens": True}, count={"model": True},
                                                  order={"date": "asc"}))
    assert [(r["date"], r["_sum"]["prompt_tokens"], r["_count"]["model"]) for r in rows] == \
        [("2030-01-01", 15, 2), ("2030-01-02", 7, 1)]


def test_foreign_key_violation(run, db):
    with pytest.raises(errors.ForeignKeyViolationError):
        make_key(run, db, budget_id="no-such-budget")


def test_delete_many_without_filter_on_an_empty_table(run, db):
    # the whole table: LiteLLM does this for e.g. health-check and cache tables
    run(db.litellm_cronjob.create(data={"pod_id": uid("pod"), "ttl": dt.datetime(2030, 1, 1, tzinfo=UTC)}))
    assert run(db.litellm_cronjob.delete_many()) >= 1
    assert run(db.litellm_cronjob.count()) == 0
