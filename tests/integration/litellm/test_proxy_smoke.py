"""Smoke test of the real LiteLLM proxy started by the harness: the management API our modules use,
virtual-key auth and a completion through a DB-stored model to the fake upstream, with read-back from
LiteLLM's PostgreSQL where that proves more than the API's answer."""
import hashlib
import json
import time
import uuid

import pytest


# Known defects of a LiteLLM release itself (they happen with Prisma's native engine too), by version.
KNOWN_BROKEN = {
    "1.81.16": "LiteLLM 1.81.16 copies the key's new agent_id into LiteLLM_DeletedVerificationToken, whose schema "
               "lacks it, so every /key/delete fails with 500 (fixed upstream by BerriAI/litellm PR 22255)",
}


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def ok(resp):
    assert resp.status_code == 200, f"{resp.request.method} {resp.url} -> {resp.status_code}: {resp.text[:500]}"
    return resp.json()


def poll(what, fn, timeout=60):
    """Retry fn() until it returns a truthy value (the proxy writes spend in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.5)


def one(db, sql, *params):
    return db.execute(sql, params).fetchone()


@pytest.fixture
def db_model(litellm_api, litellm_proxy):
    """A model stored in the DB that points at the fake upstream; deleted afterwards if still there."""
    model_id = unique("smoke-id")
    name = unique("smoke-model")
    upstream_key = "sk-upstream-" + uuid.uuid4().hex
    ok(litellm_api.post("/model/new", json={
        "model_name": name,
        "litellm_params": {"model": "openai/fake-gpt", "api_base": litellm_proxy.upstream_url, "api_key": upstream_key,
                           "input_cost_per_token": 0.001, "output_cost_per_token": 0.002},
        "model_info": {"id": model_id, "smoke_marker": "yes"},
    }))
    yield {"id": model_id, "name": name, "upstream_key": upstream_key}
    litellm_api.post("/model/delete", json={"id": model_id})


def test_readiness_reports_db_and_version(litellm_api, litellm_proxy):
    body = ok(litellm_api.get("/health/readiness"))
    assert body["db"] == "connected"
    if "litellm_version" in body:
        assert body["litellm_version"] == litellm_proxy.version


def test_master_key_required(litellm_api):
    assert litellm_api.get("/key/list", key="sk-" + "0" * 64).status_code in (401, 403)


def test_model_create_read_patch_delete(litellm_api, litellm_db, db_model):
    mid = db_model["id"]
    info = ok(litellm_api.get("/model/info", params={"litellm_model_id": mid}))["data"]
    assert [m["model_name"] for m in info] == [db_model["name"]]
    params = info[0]["litellm_params"]
    assert params["model"] == "openai/fake-gpt"
    assert "api_key" not in params  # write-only
    assert info[0]["model_info"]["smoke_marker"] == "yes"
    assert info[0]["model_info"]["db_model"] is True

    row = one(litellm_db, 'SELECT model_name, litellm_params, model_info FROM "LiteLLM_ProxyModelTable"'
                          " WHERE model_id = %s", mid)
    assert row["model_name"] == db_model["name"]
    # string params are stored encrypted with the salt key
    assert row["litellm_params"]["api_key"] != db_model["upstream_key"]
    assert row["litellm_params"]["model"] != "openai/fake-gpt"

    ok(litellm_api.patch(f"/model/{mid}/update", json={"litellm_params": {"rpm": 7}, "model_info": {"owner_team": "gold"}}))
    info = ok(litellm_api.get("/model/info", params={"litellm_model_id": mid}))["data"][0]
    assert info["litellm_params"]["rpm"] == 7
    assert info["litellm_params"]["model"] == "openai/fake-gpt"  # merged, not replaced
    assert info["model_info"]["owner_team"] == "gold" and info["model_info"]["smoke_marker"] == "yes"
    row = one(litellm_db, 'SELECT litellm_params FROM "LiteLLM_ProxyModelTable" WHERE model_id = %s', mid)
    assert row["litellm_params"]["rpm"] == 7

    ok(litellm_api.post("/model/delete", json={"id": mid}))
    assert one(litellm_db, 'SELECT count(*) AS n FROM "LiteLLM_ProxyModelTable" WHERE model_id = %s', mid)["n"] == 0
    assert litellm_api.get("/model/info", params={"litellm_model_id": mid}).status_code in (400, 404)
    again = litellm_api.post("/model/delete", json={"id": mid})
    assert again.status_code in (400, 404) and "not found" in again.text.lower()


def test_key_lifecycle_and_auth(litellm_api, litellm_db, db_model, litellm_proxy):
    alias = unique("smoke-key")
    gen = ok(litellm_api.post("/key/generate", json={
        "models": [db_model["name"]], "key_alias": alias, "max_budget": 5, "metadata": {"owner": "smoke"}}))
    key = gen["key"]
    token = hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith("sk-") and gen["token"] == token

    row = one(litellm_db, 'SELECT key_alias, models, max_budget, metadata, blocked FROM "LiteLLM_VerificationToken"'
                          " WHERE token = %s", token)
    assert row["key_alias"] == alias and row["models"] == [db_model["name"]]
    assert row["max_budget"] == 5 and row["metadata"] == {"owner": "smoke"} and not row["blocked"]

    for ident in (key, token):  # info by plaintext and by hash
        info = ok(litellm_api.get("/key/info", params={"key": ident}))["info"]
        assert info["key_alias"] == alias and info["max_budget"] == 5

    ok(litellm_api.post("/key/update", json={"key": token, "max_budget": 9, "metadata": {"owner": "smoke2"}}))
    info = ok(litellm_api.get("/key/info", params={"key": token}))["info"]
    assert info["max_budget"] == 9 and info["metadata"]["owner"] == "smoke2"
    assert one(litellm_db, 'SELECT max_budget FROM "LiteLLM_VerificationToken" WHERE token = %s', token)["max_budget"] == 9

    listed = ok(litellm_api.get("/key/list", params={"key_alias": alias, "return_full_object": "true"}))
    assert [k["token"] for k in listed["keys"]] == [token]

    ok(litellm_api.get("/v1/models", key=key))
    ok(litellm_api.post("/key/block", json={"key": key}))
    assert one(litellm_db, 'SELECT blocked FROM "LiteLLM_VerificationToken" WHERE token = %s', token)["blocked"] is True
    blocked = litellm_api.get("/v1/models", key=key)
    assert blocked.status_code == 401, blocked.text
    ok(litellm_api.post("/key/unblock", json={"key": key}))
    assert one(litellm_db, 'SELECT blocked FROM "LiteLLM_VerificationToken" WHERE token = %s', token)["blocked"] is False
    ok(litellm_api.get("/v1/models", key=key))

    resp = litellm_api.post("/key/delete", json={"keys": [key]})
    if resp.status_code == 500 and litellm_proxy.version in KNOWN_BROKEN:
        pytest.xfail(KNOWN_BROKEN[litellm_proxy.version])
    deleted = ok(resp)
    assert deleted["deleted_keys"] == [key]
    assert one(litellm_db, 'SELECT count(*) AS n FROM "LiteLLM_VerificationToken" WHERE token = %s', token)["n"] == 0
    assert one(litellm_db, 'SELECT count(*) AS n FROM "LiteLLM_DeletedVerificationToken" WHERE token = %s',
               token)["n"] == 1
    gone = litellm_api.get("/v1/models", key=key)
    assert gone.status_code == 401, gone.text
    assert litellm_api.post("/key/delete", json={"keys": [key]}).status_code in (400, 404)


def test_team_and_user(litellm_api, litellm_db):
    team_id, alias = unique("smoke-team"), unique("smoke-team-alias")
    created = ok(litellm_api.post("/team/new", json={"team_id": team_id, "team_alias": alias, "max_budget": 3}))
    assert created["team_id"] == team_id
    info = ok(litellm_api.get("/team/info", params={"team_id": team_id}))
    assert info["team_id"] == team_id and info["team_info"]["team_alias"] == alias
    assert one(litellm_db, 'SELECT team_alias FROM "LiteLLM_TeamTable" WHERE team_id = %s', team_id)["team_alias"] == alias

    user_id = unique("smoke-user")
    created = ok(litellm_api.post("/user/new", json={"user_id": user_id, "user_email": f"{user_id}@example.com",
                                                     "teams": [team_id], "auto_create_key": False}))
    assert created["user_id"] == user_id
    info = ok(litellm_api.get("/user/info", params={"user_id": user_id}))
    assert info["user_id"] == user_id and info["user_info"]["user_email"] == f"{user_id}@example.com"
    row = one(litellm_db, 'SELECT user_email, teams FROM "LiteLLM_UserTable" WHERE user_id = %s', user_id)
    assert row["teams"] == [team_id]

    ok(litellm_api.post("/user/delete", json={"user_ids": [user_id]}))
    assert one(litellm_db, 'SELECT count(*) AS n FROM "LiteLLM_UserTable" WHERE user_id = %s', user_id)["n"] == 0
    ok(litellm_api.post("/team/delete", json={"team_ids": [team_id]}))
    assert one(litellm_db, 'SELECT count(*) AS n FROM "LiteLLM_TeamTable" WHERE team_id = %s', team_id)["n"] == 0
    assert litellm_api.get("/team/info", params={"team_id": team_id}).status_code in (400, 404)


def test_completion_with_virtual_key(litellm_api, litellm_db, db_model, fake_upstream):
    key = ok(litellm_api.post("/key/generate", json={"models": [db_model["name"]]}))["key"]
    token = hashlib.sha256(key.encode()).hexdigest()
    fake_upstream.clear()
    resp = ok(litellm_api.post("/v1/chat/completions", key=key, json={
        "model": db_model["name"], "messages": [{"role": "user", "content": "hi"}]}))
    assert resp["choices"][0]["message"]["content"] == "fake reply to fake-gpt"
    assert resp["usage"]["total_tokens"] == 9

    seen = [r for r in fake_upstream.requests() if r["path"].endswith("/chat/completions")]
    assert len(seen) == 1
    assert seen[0]["json"]["model"] == "fake-gpt"  # provider prefix stripped
    assert seen[0]["json"]["messages"] == [{"role": "user", "content": "hi"}]
    auth = {k.lower(): v for k, v in seen[0]["headers"].items()}["authorization"]
    assert auth == f"Bearer {db_model['upstream_key']}"  # the model's key, not the virtual key

    # a model the key may not use
    denied = litellm_api.post("/v1/chat/completions", key=key, json={
        "model": "not-allowed", "messages": [{"role": "user", "content": "hi"}]})
    assert denied.status_code in (400, 401, 403), denied.text

    # spend is written by a background job; the denied request may get a row of its own (1.81 logs failures)
    spend_log = poll("the spend log row", lambda: one(
        litellm_db, 'SELECT model, api_key, total_tokens FROM "LiteLLM_SpendLogs" WHERE api_key = %s'
        ' AND model_group = %s', token, db_model["name"]))
    assert spend_log["total_tokens"] == 9
    poll("the key's spend", lambda: one(
        litellm_db, 'SELECT spend FROM "LiteLLM_VerificationToken" WHERE token = %s', token)["spend"] > 0)
    litellm_api.post("/key/delete", json={"keys": [key]})


def test_upstream_errors_surface(litellm_api, db_model, fake_upstream):
    fake_upstream.fail(503, count=-1)
    resp = litellm_api.post("/v1/chat/completions", json={
        "model": db_model["name"], "messages": [{"role": "user", "content": "hi"}]})
    fake_upstream.fail(0)
    assert resp.status_code >= 500, resp.text
    assert ok(litellm_api.post("/v1/chat/completions", json={
        "model": db_model["name"], "messages": [{"role": "user", "content": "again"}]}))["choices"]


def test_streaming_completion(litellm_api, db_model, fake_upstream):
    resp = litellm_api.post("/v1/chat/completions", stream=True, json={
        "model": db_model["name"], "stream": True, "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 200, resp.text
    chunks = [line[len(b"data: "):] for line in resp.iter_lines() if line.startswith(b"data: ")]
    assert chunks[-1] == b"[DONE]"
    text = "".join((json.loads(c)["choices"][0]["delta"].get("content") or "") for c in chunks[:-1] if c)
    assert text == "fake reply to fake-gpt"
    assert any((r["json"] or {}).get("stream") for r in fake_upstream.requests())
