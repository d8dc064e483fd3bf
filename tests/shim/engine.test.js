// Unit tests of the shim's GraphQL -> JSON-protocol translation and result conversion (node --test).
// The GraphQL strings are what prisma-client-py 0.11's query builder emits (arrays start with a comma).
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const shim = require(path.join(__dirname, '..', 'harness', 'litellm', 'shim', 'engine.js'));

const DATAMODEL = `
datasource client { provider = "postgresql" url = env("DATABASE_URL") }
model Budget {
  budget_id String @id
  max_budget Float?
  model_max_budget Json?
  keys Token[]
}
model Token {
    token      String   @id
    spend      Float    @default(0.0)
    models     String[]
    metadata   Json  @default("{}") // trailing comment
    blob       Bytes?
    tpm_limit  BigInt?
    expires    DateTime?
    budget_id  String?
    budget Budget? @relation(fields: [budget_id], references: [budget_id])
    @@index([budget_id])
}
`;
shim.loadSchema(DATAMODEL);

const gql = (body) => `query {\n  result: ${body}\n}`;

test('parses the builder output: alias, arguments on their own line, leading commas in lists', () => {
  const doc = shim.parseGraphQL(`query {
  result: findManyToken
  (
    where: {
      token: {
        in: [,
          "a",
          "b \\"quoted\\" \\u00e9",
        ]
      }
    }
    take: 2
    orderBy: [,
      {
        spend: "desc"
      },
    ]
  )
  {
    token
    budget {
      budget_id
    }
  }
}`);
  assert.equal(doc.op, 'query');
  assert.equal(doc.sel.length, 1);
  const root = doc.sel[0];
  assert.equal(root.alias, 'result');
  assert.equal(root.name, 'findManyToken');
  assert.deepEqual(root.args, { where: { token: { in: ['a', 'b "quoted" é'] } }, take: 2, orderBy: [{ spend: 'desc' }] });
  assert.deepEqual(root.sel.map((f) => f.name), ['token', 'budget']);
});

test('literals: numbers, booleans, null, enums as strings, big integers as tagged BigInt', () => {
  const { args } = shim.parseGraphQL(gql('findFirstToken(where: {a: -1.5e-7 b: 42 c: true d: false e: null f: ACTIVE ' +
    'g: 4611686018427387905 h: -9007199254740993 i: 9007199254740991})')).sel[0];
  assert.deepEqual(args.where, {
    a: -1.5e-7, b: 42, c: true, d: false, e: null, f: 'ACTIVE',
    g: { $type: 'BigInt', value: '4611686018427387905' }, h: { $type: 'BigInt', value: '-9007199254740993' },
    i: 9007199254740991,
  });
});

test('rejects what it cannot tokenize or parse', () => {
  assert.throws(() => shim.parseGraphQL('query { result: findManyToken(where: {a: @}) }'), /tokenize/);
  assert.throws(() => shim.parseGraphQL('query { result: findManyToken(where: {a: 1) }'), /parse/);
  assert.throws(() => shim.gqlToJson(gql('frobnicateToken { token }')), /Unsupported GraphQL operation/);
});

test('maps every action name', () => {
  const cases = {
    findUniqueToken: ['findUnique', 'Token'], findUniqueTokenOrThrow: ['findUniqueOrThrow', 'Token'],
    findFirstToken: ['findFirst', 'Token'], findFirstTokenOrThrow: ['findFirstOrThrow', 'Token'],
    findManyToken: ['findMany', 'Token'], createOneToken: ['createOne', 'Token'], createManyToken: ['createMany', 'Token'],
    updateOneToken: ['updateOne', 'Token'], updateManyToken: ['updateMany', 'Token'], upsertOneToken: ['upsertOne', 'Token'],
    deleteOneToken: ['deleteOne', 'Token'], deleteManyToken: ['deleteMany', 'Token'], aggregateToken: ['aggregate', 'Token'],
    groupByToken: ['groupBy', 'Token'], queryRaw: ['queryRaw', undefined], executeRaw: ['executeRaw', undefined],
    findManyLiteLLM_VerificationToken: ['findMany', 'LiteLLM_VerificationToken'],
  };
  for (const [name, [action, modelName]] of Object.entries(cases)) {
    assert.deepEqual(shim.splitOperation(name), { action, modelName }, name);
  }
});

test('selection: scalars as true, relations with arguments and nested selection', () => {
  const req = shim.gqlToJson(gql(`findManyBudget(where: {budget_id: "b"}) {
    budget_id
    keys(where: {spend: {gt: 1}} take: 5 orderBy: [, {spend: "desc"}]) { token metadata }
  }`));
  assert.deepEqual(req, {
    action: 'findMany', modelName: 'Budget',
    query: {
      arguments: { where: { budget_id: 'b' } },
      selection: {
        budget_id: true,
        keys: { arguments: { where: { spend: { gt: 1 } }, take: 5, orderBy: [{ spend: 'desc' }] },
          selection: { token: true, metadata: true } },
      },
    },
  });
});

test('Json and Bytes inputs are tagged, following relations; other values are not', () => {
  const req = shim.gqlToJson(`mutation {
  result: createOneToken
  (
    data: {
      token: "t"
      metadata: "{\\"a\\": 1}"
      blob: "AAE="
      models: [, "x", ]
      expires: "2030-01-01T00:00:00+00:00"
      budget: { create: { budget_id: "b" model_max_budget: "{}" } }
    }
  )
  { token }
}`);
  assert.deepEqual(req.query.arguments.data, {
    token: 't', metadata: { $type: 'Json', value: '{"a": 1}' }, blob: { $type: 'Bytes', value: 'AAE=' },
    models: ['x'], expires: '2030-01-01T00:00:00+00:00',
    budget: { create: { budget_id: 'b', model_max_budget: { $type: 'Json', value: '{}' } } },
  });
});

test('Json filters: values of equals/not/comparisons are tagged, path and string filters are not', () => {
  const req = shim.gqlToJson(gql(`findManyToken(where: {
    metadata: {path: [, "e", "code", ] equals: "\\"429\\"" string_contains: "4" gt: "1"}
    OR: [, {metadata: {not: "{}"}}, {budget: {is: {model_max_budget: {equals: "{}"}}}}, ]
  }) { token }`));
  assert.deepEqual(req.query.arguments.where, {
    metadata: { path: ['e', 'code'], equals: { $type: 'Json', value: '"429"' }, string_contains: '4',
      gt: { $type: 'Json', value: '1' } },
    OR: [{ metadata: { not: { $type: 'Json', value: '{}' } } },
      { budget: { is: { model_max_budget: { equals: { $type: 'Json', value: '{}' } } } } }],
  });
});

test('Json inside include arguments is tagged with the related model', () => {
  const req = shim.gqlToJson(gql('findUniqueBudget(where: {budget_id: "b"}) { keys(where: {metadata: {equals: "{}"}}) { token } }'));
  assert.deepEqual(req.query.selection.keys.arguments, { where: { metadata: { equals: { $type: 'Json', value: '{}' } } } });
});

test('raw queries keep their JSON-string parameters and select nothing', () => {
  const req = shim.gqlToJson(`mutation {
  result: queryRaw
  (
    query: "SELECT $1"
    parameters: "[\\"x\\"]"
  )
}`);
  assert.deepEqual(req, { action: 'queryRaw', query: { arguments: { query: 'SELECT $1', parameters: '["x"]' }, selection: {} } });
  const noParams = shim.gqlToJson('mutation { result: executeRaw(query: "SELECT 1") }');
  assert.equal(noParams.query.arguments.parameters, '[]');
});

test('results: root key renamed to result, tags removed, floats keep their decimal point', () => {
  const raw = '{"data":{"findManyToken":[{"token":"t","spend":0.0,"expires":{"$type":"DateTime","value":"2030-01-01T00:00:00.000Z"},' +
    '"metadata":{"$type":"Json","value":"{\\"a\\":1}"},"tpm_limit":{"$type":"BigInt","value":"4611686018427387905"},' +
    '"blob":{"$type":"Bytes","value":"AAE="}}]}}';
  assert.equal(shim.convertResultText(raw),
    '{"data":{"result":[{"token":"t","spend":0.0,"expires":"2030-01-01T00:00:00.000Z","metadata":"{\\"a\\":1}",' +
    '"tpm_limit":4611686018427387905,"blob":"AAE="}]}}');
  assert.equal(shim.convertResultText('{"errors":[]}'), null);
  assert.deepEqual(shim.convertResult('{"data":{"createManyToken":{"count":3}}}'), { data: { result: { count: 3 } } });
  assert.deepEqual(shim.convertResult({ errors: [{ error: 'x' }] }), { errors: [{ error: 'x' }] });
  assert.deepEqual(shim.untag({ a: [{ $type: 'BigInt', value: '12' }, { $type: 'BigInt', value: '9007199254740993' }] }),
    { a: [12, '9007199254740993'] });
});

test('legacy raw results: prisma__type/prisma__value per column, arrays, nulls, whole doubles as floats', () => {
  const engineOut = JSON.stringify({ data: { queryRaw: {
    columns: ['s', 'f', 'fa', 'n', 'arr', 'big', 'neg'],
    types: ['string', 'double', 'double-array', 'int', 'string-array', 'bigint', 'double'],
    rows: [['x', 2, [1, 1.5], null, ['a', null], '12', -3]],
  } } });
  const out = shim.legacyRaw(engineOut);
  const parsed = JSON.parse(out.__raw);
  assert.deepEqual(parsed, { data: { result: [{
    s: { prisma__type: 'string', prisma__value: 'x' },
    f: { prisma__type: 'double', prisma__value: 2 },
    fa: { prisma__type: 'array', prisma__value: [{ prisma__type: 'double', prisma__value: 1 }, { prisma__type: 'double', prisma__value: 1.5 }] },
    n: { prisma__type: 'null', prisma__value: null },
    arr: { prisma__type: 'array', prisma__value: [{ prisma__type: 'string', prisma__value: 'a' }, { prisma__type: 'null', prisma__value: null }] },
    big: { prisma__type: 'bigint', prisma__value: '12' },
    neg: { prisma__type: 'double', prisma__value: -3 },
  }] } });
  assert.match(out.__raw, /"f":\{"prisma__type":"double","prisma__value":2\.0\}/);
  assert.match(out.__raw, /"prisma__type":"double","prisma__value":1\.0\}/);
  assert.match(out.__raw, /"neg":\{"prisma__type":"double","prisma__value":-3\.0\}/);
  assert.deepEqual(shim.legacyRaw('{"errors":[{"error":"e"}]}'), { errors: [{ error: 'e' }] });
});

test('database URL: libpq URL with LiteLLM\'s pool parameters to a pg Pool config', () => {
  const { cfg, schema } = shim.pgConfigFromUrl(
    'postgresql://us%40er:p%3Ass@127.0.0.1:5433/db?connection_limit=7&pool_timeout=3&schema=s1&sslmode=require&options=-c%20statement_timeout%3D5s');
  assert.deepEqual(cfg, { host: '127.0.0.1', port: 5433, user: 'us@er', password: 'p:ss', database: 'db', max: 7,
    connectionTimeoutMillis: 3000, options: '-c statement_timeout=5s', ssl: { rejectUnauthorized: false } });
  assert.equal(schema, 's1');
  assert.equal(shim.pgConfigFromUrl('postgresql://u@localhost/db?host=/tmp/sock').cfg.host, '/tmp/sock');
});

test('result columns of types the pg adapter does not know become text / text[]', async () => {
  const parsers = {};
  class Client { query() { return Promise.resolve(this.next); } }
  const pg = { Client, types: { setTypeParser: (oid, fn) => { parsers[oid] = fn; } } };
  const pgArray = { parse: (s) => s.replace(/^\{|\}$/g, '').split(',') };
  shim.patchPgTypes(pg, pgArray);
  assert.equal(parsers[1186]('01:30:00'), '01:30:00'); // interval stays PostgreSQL text
  assert.deepEqual(parsers[1187]('{01:00:00,02:00:00}'), ['01:00:00', '02:00:00']);
  const c = new Client();
  c.next = {
    fields: [{ name: 'nm', dataTypeID: 19 }, { name: 'names', dataTypeID: 1003 }, { name: 'i', dataTypeID: 23 },
      { name: 'rc', dataTypeID: 2205 }, { name: 'enum', dataTypeID: 16385 }],
    rows: [{ nm: 'pg_class', names: '{a,b}', i: 1, rc: 1259, enum: 'ACTIVE' }],
  };
  const res = await c.query('select');
  assert.deepEqual(res.fields.map((f) => f.dataTypeID), [25, 1009, 23, 25, 16385]);
  assert.deepEqual(res.rows[0], { nm: 'pg_class', names: ['a', 'b'], i: 1, rc: '1259', enum: 'ACTIVE' });
});
