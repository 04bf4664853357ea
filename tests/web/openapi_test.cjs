// The OpenAPI document against independent tools and the running server (issue 23 item 2):
// Redocly's lint (recommended rules) finds no error in GET /v1/openapi.json; Ajv compiles its
// schemas (the event kinds' data are generated from ledger/event.capnp); every event of the
// demo and of 40 generated histories, each accepted by the ledger, is valid against the append
// body's schema; bodies the server refuses as malformed are invalid against it too, each with
// the server's 400; every refusal the server answers is valid against the Error schema; and the
// answers the document describes (health, session, search) are valid against their schemas.
//
//   node tests/web/openapi_test.cjs CASELEDGER_BINARY SOURCE_DIR BUILD_DIR
'use strict';

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { freePort, stopServer } = require('./lib.cjs');

const [bin, top, build] = process.argv.slice(2).map((p) => path.resolve(p));
const modules = path.join(build, 'web', 'node_modules');
const redocly = path.join(modules, '.bin', 'redocly');
if (!fs.existsSync(redocly) || !fs.existsSync(path.join(modules, 'ajv'))) {
  console.error('FAIL the OpenAPI test needs @redocly/cli and ajv: run tools/test, which installs them');
  process.exit(1);
}
const Ajv = require(path.join(modules, 'ajv'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'caseledger-openapi-'));
let server = null;

function check(ok, what) {
  if (!ok) throw new Error(what);
}


async function main() {
  const port = await freePort();
  const url = 'http://127.0.0.1:' + port;
  const log = fs.openSync(path.join(work, 'server.log'), 'w');
  server = spawn(bin, ['--data', path.join(work, 'data'), 'serve', '--demo', '--demo-families', '5', '--listen', '127.0.0.1:' + port],
    { stdio: ['ignore', log, log] });
  const tokensFile = path.join(work, 'data', 'demo-tokens.env');
  for (let i = 0; i < 600 && !(fs.existsSync(tokensFile) && await fetch(url + '/healthz').then((r) => r.ok, () => false)); i++) {
    if (server.exitCode !== null) throw new Error('the server stopped: ' + fs.readFileSync(path.join(work, 'server.log'), 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
  }
  const tokens = {};
  for (const line of fs.readFileSync(tokensFile, 'utf8').split('\n')) {
    const m = line.match(/^export CASELEDGER_([A-Z_]+)_TOKEN=(\S+)$/);
    if (m) tokens[m[1].toLowerCase().replace('_', '-')] = m[2];
  }

  // Redocly's recommended rules: no error.
  const doc = await (await fetch(url + '/v1/openapi.json')).json();
  const docFile = path.join(work, 'openapi.json');
  fs.writeFileSync(docFile, JSON.stringify(doc, null, 1));
  const lint = spawnSync(redocly, ['lint', docFile, '--format=json'], { encoding: 'utf8', env: Object.assign({}, process.env, { REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }) });
  let report;
  try {
    report = JSON.parse(lint.stdout);
  } catch (e) {
    throw new Error('redocly lint gave no report: ' + lint.stdout.slice(0, 500) + lint.stderr.slice(0, 500));
  }
  const errors = report.problems.filter((p) => p.severity === 'error');
  check(report.totals.errors === 0, 'redocly lint: ' + errors.map((p) => p.ruleId + ': ' + p.message).join(' | '));
  const operations = Object.values(doc.paths).flatMap((p) => Object.values(p));
  check(operations.every((o) => o.operationId), 'an operation without an operationId');
  check(new Set(operations.map((o) => o.operationId)).size === operations.length, 'operationIds repeat');

  // Ajv over the document's schemas (OpenAPI's mapping and formats are not Ajv's: left out).
  const schemas = JSON.parse(JSON.stringify(doc.components.schemas), (k, v) => (k === 'mapping' ? undefined : v));
  const ajv = new Ajv({ strict: false, discriminator: true, validateFormats: false, allErrors: false });
  ajv.addSchema({ $id: 'openapi', components: { schemas } });
  const appendBody = ajv.getSchema('openapi#/components/schemas/AppendRequest');
  const errorBody = ajv.getSchema('openapi#/components/schemas/Error');
  check(appendBody && errorBody, 'no AppendRequest or Error schema');
  const kinds = schemas.EventDraft.oneOf.length;
  check(kinds >= 30, 'the append body describes ' + kinds + ' event kinds');

  // Every event the ledger accepted (the demo, 40 generated histories) is valid.
  const lines = [];
  for (const f of ['01-practitioners.jsonl', '02-families.jsonl']) {
    lines.push(...fs.readFileSync(path.join(top, 'fixtures', 'demo', f), 'utf8').split('\n').filter(Boolean));
  }
  const gen = spawnSync(bin, ['gen', '--families', '40', '--seed', '7'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  check(gen.status === 0, 'caseledger gen: ' + gen.stderr);
  lines.push(...gen.stdout.split('\n').filter(Boolean));
  const seen = new Set();
  let events = 0;
  for (const line of lines) {
    const l = JSON.parse(line);
    if (l.expectRefusal) continue;
    const body = { expectedVersion: 'any', events: l.events.map(({ eventId, type, occurredAt, data }) => ({ eventId, type, occurredAt, data })) };
    if (!appendBody(body)) throw new Error('an accepted line is invalid against AppendRequest: ' + JSON.stringify(appendBody.errors) + ' in ' + line.slice(0, 300));
    for (const e of l.events) seen.add(e.type);
    events += l.events.length;
  }
  check(seen.size >= 20, 'the corpus covers only ' + seen.size + ' kinds');

  // Malformed bodies: the server refuses each (400, nothing appended) and the schema rejects it.
  const note = (data) => ({ expectedVersion: 'any', events: [{ eventId: '00000000-0000-4000-8000-0000000000a1', type: 'caseNoteAdded', occurredAt: '2026-11-01T10:00:00Z', data }] });
  const good = { episodeId: 'E1', noteId: 'N-openapi', category: 'contact', text: 'a note', significant: false };
  const malformed = [
    ['a missing field', note(Object.assign({}, good, { text: undefined }))],
    ['an unknown field', note(Object.assign({}, good, { colour: 'red' }))],
    ['an unknown enumerant', note(Object.assign({}, good, { category: 'gossip' }))],
    ['a wrong type', note(Object.assign({}, good, { significant: 'yes' }))],
    ['a bad id', note(Object.assign({}, good, { noteId: 'not an id!' }))],
    ['an unknown kind', { expectedVersion: 'any', events: [{ eventId: '00000000-0000-4000-8000-0000000000a2', type: 'coffeeDrunk', occurredAt: '2026-11-01T10:00:00Z', data: {} }] }],
    ['no events', { expectedVersion: 'any', events: [] }],
    ['a bad expectedVersion', { expectedVersion: 'latest', events: note(good).events }],
    ['a bad date', { expectedVersion: 'any', events: [{ eventId: '00000000-0000-4000-8000-0000000000a3', type: 'episodeOpened', occurredAt: '2026-11-01T10:00:00Z', data: { episodeId: 'E9', keyworkerId: 'P1', registrationCompletedOn: '1 May 2026' } }] }],
  ];
  let refusals = 0;
  for (const [what, body] of malformed) {
    const before = (await (await fetch(url + '/healthz')).json()).size;
    const res = await fetch(url + '/v1/families/F1/events', {
      method: 'POST', headers: { Authorization: 'Bearer ' + tokens.practitioner, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    const answer = await res.json();
    check(res.status === 400, what + ': the server answered ' + res.status + ' ' + JSON.stringify(answer));
    check(errorBody(answer), what + ': the refusal is invalid against Error: ' + JSON.stringify(errorBody.errors));
    check((await (await fetch(url + '/healthz')).json()).size === before, what + ': something was appended');
    check(!appendBody(body), what + ': the schema accepts what the server refuses');
    refusals++;
  }
  // Other refusals (no token, a role not allowed, not found, a rule) fit the Error schema too.
  for (const [what, p, token] of [['no token', '/v1/families/F1', null], ['a role not allowed', '/v1/families/F1', tokens.dashboard],
    ['not found', '/v1/families/NOPE', tokens['triage-manager']], ['a bad parameter', '/v1/families/F1/chronology?from=someday', tokens['triage-manager']]]) {
    const res = await fetch(url + p, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
    const answer = await res.json();
    check(res.status >= 400 && errorBody(answer), what + ': ' + res.status + ' ' + JSON.stringify(answer));
    refusals++;
  }
  // The answers the document describes, as the server gives them: each route's 200 against the
  // schema its document names (and each named schema shown to refuse a changed answer).
  let answers = 0;
  for (const [p, token] of [['/healthz', null], ['/v1/session', tokens.auditor], ['/v1/session', tokens.practitioner],
    ['/v1/families?q=example', tokens['triage-manager']], ['/v1/families?q=f1', tokens.practitioner], ['/v1/families?q=zzzz', tokens.coordinator]]) {
    const op = doc.paths[p.split('?')[0]].get;
    const ref = op.responses['200'].content['application/json'].schema.$ref;
    const validate = ajv.getSchema('openapi' + ref);
    const res = await fetch(url + p, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
    const answer = await res.json();
    check(res.status === 200 && validate(answer), p + ': ' + res.status + ' ' + JSON.stringify(validate.errors) + ' ' + JSON.stringify(answer).slice(0, 300));
    check(!validate(Object.assign({}, answer, { unexpected: 1 })), p + ': the schema takes an answer with a field it does not name');
    answers++;
  }
  console.log('openapi test passed: redocly lint ' + report.totals.errors + ' errors, ' + report.totals.warnings + ' warnings; ' +
    events + ' accepted events of ' + seen.size + ' kinds valid against ' + kinds + ' described; ' + refusals + ' refusals valid against Error; ' +
    answers + ' answers valid against their schemas');
}

const stop = () => stopServer(server);

main().then(async () => {
  await stop();
  fs.rmSync(work, { recursive: true, force: true });
}, async (err) => {
  console.error('FAIL ' + err.message);
  await stop();
  process.exit(1);
});
