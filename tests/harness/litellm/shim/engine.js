// Offline stand-in for Prisma's native `query-engine` binary, for prisma-client-py.
//
// prisma-client-py (0.15.x) spawns `<binary> -p <port> --enable-metrics --enable-raw-queries`
// and talks Prisma's *GraphQL* engine protocol over HTTP.  This shim runs the official
// Prisma 5.17.0 query engine compiled to WebAssembly (@prisma/client/runtime/
// query_engine_bg.postgresql.wasm) with the node-postgres driver adapter
// (@prisma/adapter-pg), which only speaks Prisma's *JSON* protocol.  So the shim:
//   * parses the (small, regular) GraphQL subset that prisma/_builder.py emits,
//   * converts it to a JSON-protocol request and runs it on the WASM engine,
//   * converts the response back ({"data":{"result":...}}, untagging $type values).
'use strict';
const fs = require('fs');
const path = require('path');
const http = require('http');

const ENGINE_COMMIT = '393aa359c9ad4a4bb28630fb5613f9c281cde053';
const argv = process.argv.slice(2);
if (argv.includes('--version') || argv.includes('-V')) {
  process.stdout.write(`query-engine ${ENGINE_COMMIT}\n`);
  process.exit(0);
}
if (argv[0] === 'cli') { // e.g. `query-engine cli --dmmf` (not used by Prisma 5 CLI, which uses wasm)
  process.stderr.write('prisma wasm shim: `cli` subcommands are not supported\n');
  process.exit(1);
}

const DEBUG = !!process.env.PRISMA_SHIM_DEBUG;
const dbg = (...a) => { if (DEBUG) process.stderr.write('[qe-shim] ' + a.map(x => typeof x === 'string' ? x : JSON.stringify(x)).join(' ') + '\n'); };

// ---------------------------------------------------------------- GraphQL subset parser
function tokenize(src) {
  const toks = [];
  const re = /\s+|,|#[^\n]*|([{}()\[\]:])|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([_A-Za-z][_0-9A-Za-z]*)/gy;
  let m;
  re.lastIndex = 0;
  while (re.lastIndex < src.length) {
    const at = re.lastIndex;
    m = re.exec(src);
    if (!m || m.index !== at) throw new Error(`GraphQL tokenize error at ${at}: ${src.slice(at, at + 40)}`);
    if (m[1]) toks.push({ t: 'p', v: m[1] });
    else if (m[2] !== undefined) toks.push({ t: 'v', v: JSON.parse(m[2]) });
    else if (m[3] !== undefined) toks.push({ t: 'v', v: numberValue(m[3]) });
    else if (m[4] !== undefined) {
      const w = m[4];
      if (w === 'true') toks.push({ t: 'v', v: true });
      else if (w === 'false') toks.push({ t: 'v', v: false });
      else if (w === 'null') toks.push({ t: 'v', v: null });
      else toks.push({ t: 'n', v: w });
    }
  }
  return toks;
}

// An integer literal beyond 2^53 (a Python int for a BigInt field) would lose digits as a JS number:
// send it as the JSON protocol's tagged BigInt instead.
function numberValue(raw) {
  const n = Number(raw);
  if (/^-?\d+$/.test(raw) && !Number.isSafeInteger(n)) return { $type: 'BigInt', value: raw.replace(/^(-?)0+(?=\d)/, '$1') };
  return n;
}

function parseGraphQL(src) {
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const next = () => toks[i++];
  const expectP = (p) => { const t = next(); if (!t || t.t !== 'p' || t.v !== p) throw new Error(`GraphQL parse: expected '${p}' got ${JSON.stringify(t)}`); };
  const isP = (p) => { const t = peek(); return t && t.t === 'p' && t.v === p; };

  function value() {
    const t = next();
    if (!t) throw new Error('GraphQL parse: unexpected end');
    if (t.t === 'v') return t.v;
    if (t.t === 'n') return t.v; // enum literal -> string
    if (t.v === '{') { const o = {}; while (!isP('}')) { const k = key(); expectP(':'); o[k] = value(); } expectP('}'); return o; }
    if (t.v === '[') { const a = []; while (!isP(']')) a.push(value()); expectP(']'); return a; }
    throw new Error('GraphQL parse: unexpected ' + JSON.stringify(t));
  }
  function key() { // an object key or argument name: a name, or a quoted string
    const k = next();
    if (!k || !(k.t === 'n' || (k.t === 'v' && typeof k.v === 'string'))) throw new Error('GraphQL parse: bad key ' + JSON.stringify(k));
    return k.v;
  }
  function name() {
    const t = next();
    if (!t || t.t !== 'n') throw new Error('GraphQL parse: expected a name, got ' + JSON.stringify(t));
    return t.v;
  }
  function args() { const o = {}; expectP('('); while (!isP(')')) { const k = key(); expectP(':'); o[k] = value(); } expectP(')'); return o; }
  function field() {
    let fieldName = name(); let alias = null;
    if (isP(':')) { next(); alias = fieldName; fieldName = name(); }
    const f = { name: fieldName, alias, args: null, sel: null };
    if (isP('(')) f.args = args();
    if (isP('{')) f.sel = selectionSet();
    return f;
  }
  function selectionSet() { const s = []; expectP('{'); while (!isP('}')) s.push(field()); expectP('}'); return s; }

  let op = 'query';
  if (peek() && peek().t === 'n') op = next().v;
  const sel = selectionSet();
  if (i !== toks.length) throw new Error('GraphQL parse: trailing input after the selection set');
  return { op, sel };
}

// ---------------------------------------------------------------- GraphQL -> JSON protocol
const ACTIONS = ['findUnique', 'findFirst', 'findMany', 'createOne', 'createMany', 'updateOne', 'updateMany',
  'upsertOne', 'deleteOne', 'deleteMany', 'aggregate', 'groupBy'];

function splitOperation(name) {
  if (name === 'executeRaw' || name === 'queryRaw') return { action: name, modelName: undefined };
  for (const a of ACTIONS) {
    if (name.startsWith(a)) {
      let model = name.slice(a.length); let action = a;
      if ((a === 'findUnique' || a === 'findFirst') && model.endsWith('OrThrow')) { model = model.slice(0, -7); action = a + 'OrThrow'; }
      return { action, modelName: model };
    }
  }
  throw new Error('Unsupported GraphQL operation ' + name);
}

function toSelection(fields) {
  const out = {};
  for (const f of fields || []) {
    if (!f.args && !f.sel) { out[f.name] = true; continue; }
    const q = {};
    if (f.args) q.arguments = f.args;
    q.selection = f.sel ? toSelection(f.sel) : { $scalars: true };
    out[f.name] = q;
  }
  return out;
}

// ---- schema knowledge: which fields are Json/Bytes (need $type tags in the JSON protocol) and relations
let SCHEMA = null; // { Model: { field: { type, isModel } } }
function loadSchema(datamodel) {
  const models = {}; const names = new Set();
  const blockRe = /^\s*model\s+(\w+)\s*\{([\s\S]*?)^\s*\}/gm;
  let m;
  const blocks = [];
  while ((m = blockRe.exec(datamodel))) { names.add(m[1]); blocks.push([m[1], m[2]]); }
  for (const [name, body] of blocks) {
    const fields = {};
    for (const line of body.split('\n')) {
      const fm = line.match(/^\s*(\w+)\s+(\w+)(\[\])?(\?)?/);
      if (!fm || line.trim().startsWith('@@') || line.trim().startsWith('//')) continue;
      fields[fm[1]] = { type: fm[2], isModel: names.has(fm[2]) };
    }
    models[name] = fields;
  }
  SCHEMA = models;
}
const TAGGED = { Json: 'Json', Bytes: 'Bytes' };
const JSON_FILTER_KEYS = new Set(['set', 'equals', 'not', 'array_contains', 'array_starts_with', 'array_ends_with', 'gt', 'gte', 'lt', 'lte']);
function tagScalar(type, v) {
  if (typeof v === 'string') return { $type: TAGGED[type], value: v };
  if (Array.isArray(v)) return v.map(x => tagScalar(type, x));
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v)) o[k] = JSON_FILTER_KEYS.has(k) ? tagScalar(type, v[k]) : v[k];
    return o;
  }
  return v;
}
// Walk an argument tree, tagging Json/Bytes scalar values; follow relation fields into their model.
function tagArgs(model, v) {
  if (!SCHEMA || !model || !SCHEMA[model]) return v;
  if (Array.isArray(v)) return v.map(x => tagArgs(model, x));
  if (!v || typeof v !== 'object') return v;
  const fields = SCHEMA[model];
  const o = {};
  for (const k of Object.keys(v)) {
    const f = fields[k];
    if (f && TAGGED[f.type]) o[k] = tagScalar(f.type, v[k]);
    else if (f && f.isModel) o[k] = tagArgs(f.type, v[k]);
    else o[k] = tagArgs(model, v[k]); // data/where/create/update/AND/OR/connect/... keep the model
  }
  return o;
}
function tagSelection(model, sel) {
  if (!SCHEMA || !model || !SCHEMA[model]) return sel;
  for (const k of Object.keys(sel)) {
    const f = SCHEMA[model][k];
    if (f && f.isModel && sel[k] && typeof sel[k] === 'object') {
      if (sel[k].arguments) sel[k].arguments = tagArgs(f.type, sel[k].arguments);
      if (sel[k].selection) tagSelection(f.type, sel[k].selection);
    }
  }
  return sel;
}

function gqlToJson(gqlQuery) {
  const doc = parseGraphQL(gqlQuery);
  if (doc.sel.length !== 1) throw new Error('expected exactly one root field');
  const root = doc.sel[0];
  const { action, modelName } = splitOperation(root.name);
  const query = { arguments: tagArgs(modelName, root.args || {}), selection: root.sel ? tagSelection(modelName, toSelection(root.sel)) : {} };
  if (action === 'executeRaw' || action === 'queryRaw') {
    // prisma-client-py double-encodes parameters as a JSON string, which is what the engine wants
    if (query.arguments.parameters === undefined) query.arguments.parameters = '[]';
    query.selection = {};
  }
  const req = { action, query };
  if (modelName) req.modelName = modelName;
  return req;
}

// ---------------------------------------------------------------- JSON protocol output -> GraphQL-style output
function untag(v) {
  if (Array.isArray(v)) return v.map(untag);
  if (v && typeof v === 'object') {
    if (typeof v.$type === 'string' && 'value' in v && Object.keys(v).length === 2) {
      switch (v.$type) {
        case 'BigInt': { const n = Number(v.value); return Number.isSafeInteger(n) ? n : v.value; }
        case 'Json': return v.value; // GraphQL protocol returned Json as a string; prisma-client-py json.loads it
        default: return v.value; // DateTime (ISO string), Decimal (string), Bytes (base64)
      }
    }
    const o = {};
    for (const k of Object.keys(v)) o[k] = untag(v[k]);
    return o;
  }
  return v;
}

const TAG_RE = /\{"\$type":"(?:DateTime|Decimal|Bytes|Json)","value":("(?:[^"\\]|\\.)*")\}/g;
const BIGINT_RE = /\{"\$type":"BigInt","value":"(-?\d+)"\}/g;
// Engine output (JSON protocol) -> GraphQL-protocol shaped string, without re-serialising numbers.
function convertResultText(raw) {
  if (!raw.startsWith('{"data":{"')) return null;
  const m = raw.match(/^\{"data":\{"[A-Za-z0-9_]+":/);
  if (!m) return null;
  return '{"data":{"result":' + raw.slice(m[0].length).replace(TAG_RE, '$1').replace(BIGINT_RE, '$1');
}
// prisma-client-py <= 0.11 (Prisma <= 5.4) expects the pre-5.6 raw format: a list of
// {column: {prisma__type, prisma__value}} objects instead of {columns, types, rows}.
const LEGACY_RAW = /^(1|true|yes)$/i.test(process.env.PRISMA_SHIM_LEGACY_RAW || '');
function legacyRaw(raw) {
  const res = JSON.parse(raw);
  if (res.errors) return res;
  const r = res.data && res.data.queryRaw;
  if (!r || !Array.isArray(r.columns)) return { data: { result: r } };
  const wrap = (t, v) => {
    if (v === null || v === undefined) return { prisma__type: 'null', prisma__value: null };
    if (t.endsWith('-array') && Array.isArray(v)) { const et = t.slice(0, -6); return { prisma__type: 'array', prisma__value: v.map(e => wrap(et, e)) }; }
    return { prisma__type: t, prisma__value: v };
  };
  const rows = r.rows.map(row => { const o = {}; r.columns.forEach((c, i) => { o[c] = wrap(r.types[i], row[i]); }); return o; });
  return { __raw: legacyRawText({ data: { result: rows } }) };
}
// JSON.stringify writes the double 2.0 as `2`, which Python reads as an int; the native engine wrote `2.0`.
const WHOLE_DOUBLE_RE = /("prisma__type":"(?:double|float)","prisma__value":-?\d+)(?=[,}])/g;
function legacyRawText(obj) {
  return JSON.stringify(obj).replace(WHOLE_DOUBLE_RE, '$1.0');
}
function convertResult(raw) {
  const res = typeof raw === 'string' ? JSON.parse(raw) : raw;
  if (res.errors) return res;
  if (res.data && typeof res.data === 'object') {
    const keys = Object.keys(res.data);
    return { data: { result: untag(keys.length === 1 ? res.data[keys[0]] : res.data) } };
  }
  return res;
}

// ---------------------------------------------------------------- engine setup
function parseArgs() {
  const o = { port: 4466 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-p' || argv[i] === '--port') o.port = Number(argv[++i]);
  }
  return o;
}

function resolveDatabaseUrl() {
  if (process.env.OVERWRITE_DATASOURCES) {
    try {
      const ds = JSON.parse(process.env.OVERWRITE_DATASOURCES);
      if (Array.isArray(ds) && ds.length && ds[0].url) return ds[0].url;
    } catch (e) { /* fallthrough */ }
  }
  return process.env.DATABASE_URL;
}

function pgConfigFromUrl(urlStr) {
  const u = new URL(urlStr);
  const cfg = {
    host: decodeURIComponent(u.hostname) || '127.0.0.1',
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
  };
  const p = u.searchParams;
  if (p.get('host')) cfg.host = p.get('host'); // unix socket dir
  if (p.get('connection_limit')) cfg.max = Number(p.get('connection_limit'));
  if (p.get('pool_timeout')) cfg.connectionTimeoutMillis = Number(p.get('pool_timeout')) * 1000;
  if (p.get('connect_timeout')) cfg.connectionTimeoutMillis = Number(p.get('connect_timeout')) * 1000;
  if (p.get('options')) cfg.options = p.get('options');
  if (p.get('application_name')) cfg.application_name = p.get('application_name');
  const sslmode = p.get('sslmode');
  if (sslmode && sslmode !== 'disable' && sslmode !== 'prefer') cfg.ssl = { rejectUnauthorized: sslmode === 'verify-full' };
  let schema = p.get('schema');
  return { cfg, schema };
}

// @prisma/adapter-pg 5.17 rejects result columns whose type OID it does not know (e.g. `name`,
// `name[]`, `interval`, `regclass`) with "Failed to deserialize column of type 'Unknown'", while the
// native engine returned them as text.  Rewrite such columns to text / text[] before the adapter sees them.
const PG_KNOWN_OIDS = new Set([16, 17, 20, 21, 23, 25, 26, 114, 700, 701, 790, 1042, 1043, 1082, 1083, 1114, 1184,
  1266, 1560, 1562, 1700, 2950, 3802, 142, 650, 869,
  1561, 1000, 1001, 1014, 1002, 651, 1182, 1021, 1022, 1041, 1005, 1007, 1016, 3807, 199, 791, 1231, 1028, 1009,
  1115, 1183, 2951, 1563, 1015, 143]);
function patchPgTypes(pg, pgArray) {
  // keep PostgreSQL's own text form of intervals ('01:30:00'), as the native engine returned it
  pg.types.setTypeParser(1186, (v) => v);
  pg.types.setTypeParser(1187, (v) => pgArray.parse(v));
  const toText = (v) => {
    if (v === null || v === undefined || typeof v === 'string') return v;
    if (v instanceof Date) return v.toISOString();
    if (typeof v.toPostgres === 'function') return v.toPostgres();
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  };
  function fixOne(res) {
    if (!res || !Array.isArray(res.fields)) return;
    res.fields.forEach((f, i) => {
      const oid = f.dataTypeID;
      if (PG_KNOWN_OIDS.has(oid) || oid >= 10000) return;
      const get = (row) => Array.isArray(row) ? row[i] : row[f.name];
      const set = (row, v) => { if (Array.isArray(row)) row[i] = v; else row[f.name] = v; };
      const sample = res.rows.map(get).find((v) => v !== null && v !== undefined);
      const isArray = Array.isArray(sample) || (typeof sample === 'string' && sample.startsWith('{') && [1003, 1187, 1185, 2210, 1034, 1040].includes(oid));
      if (isArray || [1003, 1187, 1185, 2210].includes(oid)) {
        f.dataTypeID = 1009;
        for (const row of res.rows) {
          let v = get(row);
          if (typeof v === 'string') v = pgArray.parse(v);
          if (Array.isArray(v)) set(row, v.map(toText));
        }
      } else {
        f.dataTypeID = 25;
        for (const row of res.rows) set(row, toText(get(row)));
      }
    });
  }
  const fix = (res) => { try { if (Array.isArray(res)) res.forEach(fixOne); else fixOne(res); } catch (e) { dbg('type fix failed', String(e)); } };
  const orig = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, values, callback) {
    if (typeof values === 'function') { const cb = values; return orig.call(this, config, (err, res) => { if (!err) fix(res); cb(err, res); }); }
    if (typeof callback === 'function') { const cb = callback; return orig.call(this, config, values, (err, res) => { if (!err) fix(res); cb(err, res); }); }
    const r = orig.call(this, config, values);
    if (r && typeof r.then === 'function') return r.then((res) => { fix(res); return res; });
    return r;
  };
}

async function main() {
  const { port } = parseArgs();
  // node_modules live in the harness cache (PRISMA_SHIM_NODE_MODULES), or next to this file
  const searchPaths = [process.env.PRISMA_SHIM_NODE_MODULES ? path.dirname(process.env.PRISMA_SHIM_NODE_MODULES) : null, __dirname].filter(Boolean);
  const resolve = (m) => require.resolve(m, { paths: searchPaths });
  const req = (m) => require(resolve(m));
  const pg = req('pg');
  const { PrismaPg } = req('@prisma/adapter-pg');
  const { bindAdapter } = req('@prisma/driver-adapter-utils');
  const rt = path.dirname(resolve('@prisma/client/runtime/library.js'));
  const bindings = require(path.join(rt, 'query_engine_bg.postgresql.js'));
  const wasmMod = new WebAssembly.Module(fs.readFileSync(path.join(rt, 'query_engine_bg.postgresql.wasm')));
  const inst = new WebAssembly.Instance(wasmMod, { './query_engine_bg.js': bindings });
  bindings.__wbg_set_wasm(inst.exports);

  const dmlPath = process.env.PRISMA_DML_PATH;
  const datamodel = process.env.PRISMA_DML ? Buffer.from(process.env.PRISMA_DML, 'base64').toString() : fs.readFileSync(dmlPath, 'utf8');
  loadSchema(datamodel);
  const url = resolveDatabaseUrl();
  if (!url) throw new Error('no database url (OVERWRITE_DATASOURCES / DATABASE_URL)');
  const { cfg, schema } = pgConfigFromUrl(url);
  patchPgTypes(pg, req('postgres-array'));
  const pool = new pg.Pool(cfg);
  pool.on('error', (e) => process.stderr.write('[qe-shim] pg pool error: ' + e.message + '\n'));
  const adapter = bindAdapter(new PrismaPg(pool, schema ? { schema } : undefined));
  const logLevel = process.env.RUST_LOG && /info|debug|trace/.test(process.env.RUST_LOG) ? 'info' : 'error';
  const engine = new bindings.QueryEngine({
    datamodel, logLevel, logQueries: !!process.env.LOG_QUERIES, env: {}, datasourceOverrides: {},
    ignoreEnvVarErrors: true, configDir: path.dirname(dmlPath || '.'), engineProtocol: 'json',
  }, (line) => { if (DEBUG) process.stderr.write('[qe-log] ' + line + '\n'); }, adapter);
  await engine.connect('{}');

  const TRACE = '{}';
  async function runOne(gql, txId) {
    let jreq;
    try { jreq = gqlToJson(gql); } catch (e) {
      return { errors: [{ error: String(e.message), user_facing_error: { is_panic: false, message: String(e.message), error_code: 'P2009', meta: {} } }] };
    }
    dbg('REQ', jreq);
    const out = await engine.query(JSON.stringify(jreq), TRACE, txId);
    dbg('RES', out.length > 2000 ? out.slice(0, 2000) + '...' : out);
    if (LEGACY_RAW && jreq.action === 'queryRaw') return legacyRaw(out);
    const txt = convertResultText(out);
    return txt !== null ? { __raw: txt } : convertResult(out);
  }

  async function handle(method, urlPath, body, headers) {
    if (method === 'GET' && urlPath === '/status') return { status: 'ok' };
    if (urlPath.startsWith('/metrics')) return urlPath.includes('format=prometheus') ? '' : { counters: [], gauges: [], histograms: [] };
    if (method === 'POST' && urlPath === '/transaction/start') {
      const b = body ? JSON.parse(body) : {};
      const input = { max_wait: b.max_wait ?? 2000, timeout: b.timeout ?? 5000 };
      if (b.isolation_level) input.isolation_level = b.isolation_level;
      return JSON.parse(await engine.startTransaction(JSON.stringify(input), TRACE));
    }
    let m = urlPath.match(/^\/transaction\/([^/]+)\/(commit|rollback)$/);
    if (method === 'POST' && m) {
      const r = m[2] === 'commit' ? await engine.commitTransaction(m[1], TRACE) : await engine.rollbackTransaction(m[1], TRACE);
      return JSON.parse(r || '{}');
    }
    if (method === 'POST' && (urlPath === '/' || urlPath === '')) {
      const b = JSON.parse(body);
      const txId = headers['x-transaction-id'] || undefined;
      if (b.batch) {
        let jb;
        try { jb = { batch: b.batch.map(q => gqlToJson(q.query)), transaction: b.transaction ? {} : undefined }; }
        catch (e) { return { errors: [{ error: e.message, user_facing_error: { is_panic: false, message: e.message, error_code: 'P2009', meta: {} } }] }; }
        dbg('BATCH', jb);
        const res = JSON.parse(await engine.query(JSON.stringify(jb), TRACE, txId));
        if (res.errors) return res;
        return { batchResult: (res.batchResult || []).map(convertResult) };
      }
      return runOne(b.query, txId);
    }
    return { errors: [{ error: `shim: unsupported ${method} ${urlPath}`, user_facing_error: { message: 'unsupported' } }] };
  }

  const server = http.createServer((reqq, resp) => {
    const chunks = [];
    reqq.on('data', (c) => chunks.push(c));
    reqq.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const out = await handle(reqq.method, reqq.url, body, reqq.headers);
        const s = typeof out === 'string' ? out : (out && out.__raw !== undefined ? out.__raw : JSON.stringify(out));
        resp.writeHead(200, { 'content-type': typeof out === 'string' ? 'text/plain' : 'application/json' });
        resp.end(s);
      } catch (e) {
        // WASM engine throws JS errors whose message may be a JSON-encoded user-facing error
        let err;
        try { err = JSON.parse(e.message); } catch (_) { err = null; }
        const payload = err && (err.error || err.user_facing_error) ? { errors: [err] } : { errors: [{ error: String(e && e.stack || e), user_facing_error: { is_panic: false, message: String(e && e.message || e) } }] };
        dbg('ERR', payload);
        resp.writeHead(200, { 'content-type': 'application/json' });
        resp.end(JSON.stringify(payload));
      }
    });
  });
  server.keepAliveTimeout = 65000;
  server.listen(port, '127.0.0.1', () => dbg(`listening on 127.0.0.1:${port}`));

  const shutdown = async () => { try { server.close(); await engine.disconnect(TRACE); await pool.end(); } catch (_) { } process.exit(0); };
  process.on('SIGINT', shutdown); process.on('SIGTERM', shutdown);
  // exit if our parent (prisma-client-py) goes away
  const ppid = process.ppid;
  setInterval(() => { if (process.ppid !== ppid) shutdown(); }, 2000).unref();
}

if (require.main === module) {
  main().catch((e) => { process.stderr.write('[qe-shim] fatal: ' + (e && e.stack || e) + '\n'); process.exit(1); });
}
module.exports = { parseGraphQL, gqlToJson, splitOperation, convertResult, convertResultText, untag, loadSchema, legacyRaw, pgConfigFromUrl, patchPgTypes };
