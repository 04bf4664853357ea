// caseledger's pages: one script, no build step, nothing fetched from elsewhere. Every view
// reads and writes through the HTTP API (docs/api.md) with the token given at sign-in, kept
// in this tab's sessionStorage only; the API decides what each role may see and do, and the
// pages show its refusals in plain words. Text from the ledger is only ever set as text
// (never parsed as HTML).
'use strict';

const TOKEN_KEY = 'caseledger.token';
const session = { token: sessionStorage.getItem(TOKEN_KEY), who: null, awaiting: null };

// ------------------------------------------------------------------ DOM helpers

// h('p', {class: 'x'}, 'text', child...): an element; attributes starting with "on" are
// listeners; null/false children are skipped.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// A table; on a narrow screen each row is a card, each cell under its column's name
// (data-label, app.css), the table's roles kept for screen readers.
function table(headers, rows, rowAttrs, tableClass) {
  return h('div', { class: 'scroll' },
    h('table', { class: tableClass || null, role: 'table' },
      h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' }, headers.map((t) => h('th', { scope: 'col', role: 'columnheader' }, t)))),
      h('tbody', { role: 'rowgroup' }, rows.map((cells, i) =>
        h('tr', Object.assign({ role: 'row' }, rowAttrs ? rowAttrs(i) : {}),
          cells.map((c, j) => h('td', { role: 'cell', 'data-label': headers[j] }, c)))))));
}

function notice(kind, ...content) {
  return h('div', { class: 'notice ' + kind, role: kind === 'error' ? 'alert' : 'status' }, ...content);
}

function field(label, input, hint) {
  const id = input.id || ('f-' + Math.random().toString(36).slice(2));
  input.id = id;
  return h('div', {}, h('label', { for: id }, label, hint ? h('span', { class: 'hint' }, ' ' + hint) : null), input);
}

const main = () => document.getElementById('main');
// Each render has a number; a view that finishes after the user has moved on is dropped.
let generation = 0;

// Shows a view's page, unless a later view has started since view `g` did.
function show(g, title, ...content) {
  if (g !== generation) return;
  const m = main();
  m.replaceChildren(h('h1', { tabindex: '-1' }, title), ...content.flat().filter((c) => c !== null && c !== undefined && c !== false));
  document.title = title + ' · caseledger';
  m.dataset.view = String(generation);
  m.querySelector('h1').focus();
}

// ------------------------------------------------------------------ the API

class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || ('HTTP ' + status));
    this.status = status;
    this.code = e.code || '';
    this.rule = e.rule || '';
    this.field = e.field || '';
    this.currentVersion = e.currentVersion;
  }
}

// The answer's JSON (or text for non-JSON answers); throws ApiError for anything not 2xx.
async function api(path, { method = 'GET', body, token = session.token, raw = false } = {}) {
  const headers = {};
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = res.headers.get('Content-Type') || '';
  if (raw && res.ok) return res;
  const data = type.startsWith('application/json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    if (res.status === 401 && token === session.token && session.token) signOut('Your session has ended: sign in again.');
    throw new ApiError(res.status, data);
  }
  return data;
}

// DOMAIN.md's rules, said to the person at the form.
const RULE_WORDS = {
  'registered-practitioner': 'only a registered practitioner with both trainings may record this work',
  'one-open-episode': 'the family already has an open episode',
  'consent-before-assessment': 'consent to the assessment has not been given on this episode',
  'withdrawal-stops-work': 'consent was withdrawn: only case notes, signposting and the closure can be recorded',
  'closure-needs-reason': 'this episode is closed (or a closure needs its reason)',
  'known-references': 'it names an episode, meeting, action, document or concern the record does not have',
  'no-future-events': 'the time it happened is later than now',
  'corrections-not-edits': 'an entry is never recorded twice under its id: record a correction instead',
  'legal-hold': 'the family is under a legal hold',
  'family-erased': 'the family\'s personal data was erased: nothing more can be recorded',
};

// A refusal in plain words.
function explain(err) {
  if (!(err instanceof ApiError)) return 'Something went wrong: ' + err.message;
  switch (err.code) {
    case 'ruleViolated':
      return 'Not recorded: ' + (RULE_WORDS[err.rule] || err.message) + '. (Rule ' + err.rule + ': ' + err.message + ')';
    case 'conflict':
      return 'Not recorded: someone else recorded something on this family since you opened it. ' +
        'What you entered is kept: check the record, then save again.';
    case 'invalidArgument':
      return 'Not accepted: ' + err.message + (err.field ? ' (' + err.field + ')' : '') + '.';
    case 'permissionDenied':
      return 'Not allowed: ' + err.message + '.';
    case 'notFound':
      return 'Not found: ' + err.message + '.';
    case 'unauthenticated':
      return 'You are not signed in, or your token has ended.';
    default:
      return err.message;
  }
}

// ------------------------------------------------------------------ time and ids

const pad = (n) => String(n).padStart(2, '0');
// An RFC 3339 UTC time without fractions, from a Date.
const rfc3339 = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
// The value of an <input type="datetime-local"> for a Date, in the browser's time zone.
const localInput = (d) => d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) +
  'T' + pad(d.getHours()) + ':' + pad(d.getMinutes());
// Times are shown in Europe/London, as DOMAIN.md's days are: "2 Mar 2026, 10:15:00".
const LONDON = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London', year: 'numeric', month: 'short', day: 'numeric',
  hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const when = (t) => (t ? LONDON.format(new Date(t)) : '');

function uuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = Array.from(b, (v) => v.toString(16).padStart(2, '0')).join('');
  return x.slice(0, 8) + '-' + x.slice(8, 12) + '-' + x.slice(12, 16) + '-' + x.slice(16, 20) + '-' + x.slice(20);
}
const shortId = (prefix) => prefix + Date.now().toString(36).toUpperCase() + Math.floor(Math.random() * 1296).toString(36).toUpperCase();

// ------------------------------------------------------------------ words

const ROLE_WORDS = {
  practitioner: 'practitioner', helpdesk: 'helpdesk', 'triage-manager': 'triage manager',
  coordinator: 'coordinator', auditor: 'auditor', dashboard: 'dashboard', admin: 'admin',
};
const TIMESCALE_WORDS = {
  'assessment-3-weeks': 'Assessment within 3 weeks',
  'initial-taf-6-weeks': 'Initial TAF within 6 weeks',
  'review-6-12-weeks': 'Review TAF every 6-12 weeks',
  'record-within-3-wd': 'Plan recorded within 3 working days',
  'share-within-5-wd': 'Plan shared within 5 working days',
  'action-outcome-3-wd': 'Step-up or closure within 3 working days',
  'actions-review-6-weeks': 'Actions reviewed every 6 weeks',
  'close-after-withdrawal': 'Closed within 3 working days of withdrawal',
  'next-review-held': 'Review held by the date set',
};
const STATE_WORDS = {
  notStarted: 'Not started', onTrack: 'On track', dueSoon: 'Due soon', met: 'Met',
  metLate: 'Met late', breached: 'Breached', stopped: 'Stopped', unknown: 'Unknown',
};
const STATES = ['breached', 'dueSoon', 'onTrack', 'metLate', 'met', 'notStarted', 'stopped',
  'unknown'];
const CATEGORIES = ['contact', 'meeting', 'practitionerUpdate', 'familyUpdate', 'significantEvent',
  'progress', 'documentReceived', 'letterSent', 'supportRequest', 'other'];
// An enum value of the API in words: "assessmentFinalised" -> "assessment finalised".
const capital = (s) => s.charAt(0).toUpperCase() + s.slice(1);
const words = (id) => id.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

// ------------------------------------------------------------------ roles

const READERS = ['practitioner', 'triage-manager', 'coordinator', 'auditor'];
const OVERSIGHT = ['triage-manager', 'coordinator', 'auditor'];
const NOTE_WRITERS = ['practitioner', 'triage-manager', 'coordinator'];
const role = () => (session.who ? session.who.role : '');
const is = (...roles) => roles.includes(role());

function navItems() {
  const items = [];
  if (is(...READERS)) items.push(['#/', 'Find a family']);
  // The count is the queue's as last read (reading it again would record a read of every
  // family whose concern it shows).
  if (is(...OVERSIGHT)) {
    items.push(['#/queue', 'Triage queue' + (session.awaiting === null ? '' : ' (' + session.awaiting + ' awaiting)')]);
  }
  items.push(['#/dashboard', 'Timescales dashboard']);
  if (is('auditor')) items.push(['#/audit', 'Audit']);
  if (is('helpdesk')) items.push(['#/helpdesk', 'Open episode check']);
  return items;
}

function renderChrome() {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  if (!session.who) {
    nav.replaceChildren();
    who.replaceChildren();
    return;
  }
  const here = location.hash.split('?')[0] || '#/';
  nav.replaceChildren(h('ul', {}, navItems().map(([href, text]) =>
    h('li', {}, h('a', { href, 'aria-current': here === href ? 'page' : null }, text)))));
  who.replaceChildren(
    h('span', {}, 'Signed in as ' + session.who.actorId + ' (' + (ROLE_WORDS[role()] || role()) + ')'),
    h('button', { type: 'button', onclick: () => signOut('You are signed out.') }, 'Sign out'));
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  for (const key of Object.keys(sessionStorage)) if (key.startsWith(REASON_KEY)) sessionStorage.removeItem(key);
  session.token = null;
  session.who = null;
  session.awaiting = null;
  session.signedOutMessage = message;
  if (location.hash !== '#/signin') location.hash = '#/signin';
  else render();
}

// ------------------------------------------------------------------ sign in

function signInView() {
  const g = ++generation;
  // Text, not a password: a browser must not offer to save the token beyond this tab.
  const token = h('input', { type: 'text', id: 'token', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', required: true, size: 60 });
  const status = h('div', { 'aria-live': 'polite' });
  if (session.signedOutMessage) status.append(notice('', session.signedOutMessage));
  session.signedOutMessage = null;
  const form = h('form', {
    class: 'stack', onsubmit: async (ev) => {
      ev.preventDefault();
      status.replaceChildren();
      try {
        const who = await api('/v1/session', { token: token.value.trim() });
        session.token = token.value.trim();
        session.who = who;
        markPages();
        sessionStorage.setItem(TOKEN_KEY, session.token);
        location.hash = home();
      } catch (err) {
        status.replaceChildren(notice('error', explain(err)));
      }
    },
  },
  field('Access token', token, '(from your administrator; kept in this browser tab only)'),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in')));
  show(g, 'Sign in', form, status);
}

function home() {
  if (is('triage-manager')) return '#/queue';
  if (is(...READERS)) return '#/';
  if (is('helpdesk')) return '#/helpdesk';
  return '#/dashboard';
}

// ------------------------------------------------------------------ find a family

// Find a family by id (any case), a member's name (the start of each word) or a date of
// birth. Each family listed is recorded in the access log as a search, with the query.
async function findView(params) {
  const g = ++generation;
  const q = (params.get('q') || '').trim();
  const input = h('input', { id: 'family-query', name: 'q', required: true, minlength: 2, maxlength: 100, autocomplete: 'off', value: q });
  // Where the role's policy wants a reason, the search asks for one too (it is a read).
  const asked = !!(session.who && session.who.purposeRequired);
  const why = asked ? h('input', { id: 'search-purpose', name: 'purpose', required: true, maxlength: 80, autocomplete: 'off', value: params.get('purpose') || '' }) : null;
  const form = h('form', {
    class: 'inline', role: 'search', onsubmit: (ev) => {
      ev.preventDefault();
      location.hash = '#/find?q=' + encodeURIComponent(input.value.trim()) + (why ? '&purpose=' + encodeURIComponent(why.value.trim()) : '');
    },
  }, field('Family id, name or date of birth', input, '(e.g. F1, "jo exa", 2015-06-01 or 1/6/2015)'),
  why ? field('Why you are looking', why, '(kept in the access log with the search)') : null,
  h('div', {}, h('button', { type: 'submit' }, 'Search')));
  const intro = h('p', {}, 'Each family a search lists, and each record you open, is recorded in the access log: who looked, when, and for what.');
  if (!q) {
    show(g, 'Find a family', intro, form);
    return;
  }
  let found;
  try {
    found = await api('/v1/families?q=' + encodeURIComponent(q) + (params.get('purpose') ? '&purpose=' + encodeURIComponent(params.get('purpose')) : ''));
  } catch (err) {
    show(g, 'Find a family', intro, form, notice('error', explain(err)));
    focusFault(form, err);
    return;
  }
  const memberWords = (m) => (m.name || '[erased]') + ' (' + m.role + (m.dateOfBirth ? ', born ' + m.dateOfBirth : '') + ')';
  const results = found.families.map((f) => h('li', { class: 'card' },
    h('h2', {}, h('a', { href: '#/family/' + encodeURIComponent(f.familyId) }, 'Family ' + f.familyId)),
    h('p', {}, f.erased ? 'Personal data erased' : f.members.map(memberWords).join('; ')),
    h('p', { class: 'hint' }, (f.openEpisodeId ? 'Episode ' + f.openEpisodeId + ' open' : 'No episode open') +
      ' · found by ' + ({ familyId: 'its id', name: 'a name', dateOfBirth: 'a date of birth' }[f.matched] || f.matched))));
  show(g, 'Find a family', intro, form,
    h('p', { id: 'search-summary', role: 'status' }, found.families.length
      ? plural(found.families.length, 'family', 'families') + ' found for "' + q + '"' + (found.more ? ': more matched; say more to narrow it' : '')
      : 'No family you may read matches "' + q + '".'),
    results.length ? h('ol', { class: 'queue results' }, results) : null);
}

// ------------------------------------------------------------------ a family

function consentWords(c) {
  if (c.withdrawn) return 'Withdrawn by ' + c.withdrawnBy + ' on ' + when(c.withdrawnAt) + (c.withdrawalReason ? ': ' + c.withdrawalReason : '');
  if (c.given) return 'Given by ' + c.givenBy + ' on ' + when(c.givenAt) + (c.informationSharing ? '; information sharing agreed' : '');
  if (c.refused) return 'Refused by ' + c.refusedBy + (c.refusalReason ? ': ' + c.refusalReason : '');
  return 'Not yet given';
}

const personWords = (p) => (p.name ? p.name + (p.agency ? ' (' + words(p.agency) + ')' : '') : p.id) + (p.active === false ? ' (no longer active)' : '');
const STEP_UP_WORDS = { assessmentAndIntervention: 'Assessment and Intervention', familySafeguarding: 'Family Safeguarding' };

// The step-up pack at the top of the family page: what a decision needs, first.
function decisionPanel(id, pack, erased) {
  const ep = pack.episode;
  const reload = (flash) => familyView(id, flash);
  const chronologyLink = (seq, text) => h('a', { href: '#/family/' + encodeURIComponent(id) + '/chronology?entry=' + seq }, text);
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'decision-heading' }, h('h2', { id: 'decision-heading' }, 'For a decision'));
  const awaiting = pack.concerns.filter((c) => !c.aboveThreshold && c.directions.length === 0);
  const facts = [];
  facts.push(h('dt', {}, 'Concerns awaiting a direction'), h('dd', {}, awaiting.length
    ? h('strong', {}, awaiting.map((c) => c.concernId + ' (' + (SOURCE_WORDS[c.source] || c.source) + (c.kind ? ', ' + words(c.kind) : '') + ', received ' + when(c.receivedAt) + ')').join('; '))
    : 'none'));
  if (ep) {
    const c = ep.consent;
    facts.push(h('dt', {}, 'Consent'), h('dd', {}, c.withdrawn ? h('strong', {}, 'withdrawn ' + when(c.withdrawnAt)) : c.given ? 'given ' + when(c.givenAt)
      : c.refused ? h('strong', {}, 'refused') : h('strong', {}, 'not yet given')));
    facts.push(h('dt', {}, 'Assessment'), h('dd', {}, ep.assessment.finalised ? 'finalised ' + when(ep.assessment.finalisedAt) +
      (ep.assessment.signedByFamily ? ', signed by the family' : ', not signed by the family') + (ep.assessment.copyGivenToFamily ? ', copy given' : ', no copy given')
      : ep.assessment.started ? 'started, not finalised' : h('strong', {}, 'not started')));
    facts.push(h('dt', {}, 'Last contact'), h('dd', {}, ep.lastContactAt ? when(ep.lastContactAt) : h('strong', {}, 'none recorded')));
    const last = ep.meetings[ep.meetings.length - 1];
    facts.push(h('dt', {}, 'Last TAF meeting'), h('dd', {}, last ? last.meetingId + ' (' + last.kind + ') ' + when(last.heldAt) + ': ' + words(last.outcome) +
      (last.nextReviewOn ? ', next review ' + last.nextReviewOn : '') : 'none held'));
    facts.push(h('dt', {}, 'Keyworker'), h('dd', {}, personWords(ep.keyworker)));
    facts.push(h('dt', {}, 'TAF members'), h('dd', {}, ep.tafMembers.length ? ep.tafMembers.map(personWords).join('; ') : 'none'));
    if (ep.steppedUp) {
      facts.push(h('dt', {}, 'Stepped up'), h('dd', {}, h('strong', {}, 'to ' + (STEP_UP_WORDS[ep.steppedUp.to] || ep.steppedUp.to) + ' ' + when(ep.steppedUp.at)), ': ' + ep.steppedUp.reason));
    }
    if (ep.closed) {
      facts.push(h('dt', {}, 'Closed'), h('dd', {}, when(ep.closed.at) + ': ' + words(ep.closed.reason) + (ep.closed.detail ? ' (' + ep.closed.detail + ')' : '')));
    }
  }
  const breaches = pack.timescaleMisses.filter((t) => t.state === 'breached');
  facts.push(h('dt', {}, 'Breaches'), h('dd', {}, breaches.length
    ? h('strong', {}, breaches.map((t) => (TIMESCALE_WORDS[t.id] || t.id) + (t.meetingId ? ' (' + t.meetingId + ')' : '') + ': ' + plural(t.daysLate, 'day', 'days') + ' overdue').join('; '))
    : 'none'));
  panel.append(h('dl', { class: 'facts' }, ...facts));
  // Recorded entries (the computed ones, seq 0, are the breaches above).
  const significant = pack.chronology.filter((e) => e.seq > 0).slice(-5).reverse();
  if (significant.length) {
    panel.append(h('h3', {}, 'Latest significant entries'), h('ul', {}, significant.map((e) =>
      h('li', {}, chronologyLink(e.seq, when(e.occurredAt)), ' · ' + words(e.category) + ': ' + e.summary))));
  }
  if (ep && ep.meetings.length) {
    panel.append(h('h3', {}, 'TAF meetings'), table(['Meeting', 'Held', 'Outcome', 'Attendees', 'Next review', 'Shared with parents'],
      ep.meetings.map((m) => [m.meetingId + ' (' + m.kind + ')', when(m.heldAt), words(m.outcome), m.attendees.join(', '), m.nextReviewOn || '',
        m.sharedWithParentsAt ? when(m.sharedWithParentsAt) : 'not yet'])));
  }
  const plan = pack.openActions || [];
  if (plan.length) {
    panel.append(h('h3', {}, 'The plan: open actions'), table(['Action', 'Owner', 'Due', 'From meeting'],
      plan.map((a) => [a.description, a.owner, a.overdue ? h('strong', {}, a.dueOn + ' (overdue)') : a.dueOn, a.meetingId || ''])));
  }
  if (is('practitioner') && !erased && ep) {
    // Where a breach shows, the form that clears it.
    for (const m of ep.meetings) if (!m.sharedWithParentsAt) panel.append(shareForm(id, ep, m, reload));
    if (!ep.closed && !ep.steppedUp) panel.append(closeForm(id, ep, reload));
  }
  if (is('triage-manager') && !erased) {
    for (const c of awaiting) panel.append(directionForm(id, c, reload));
    if (ep && !ep.closed && !ep.steppedUp) panel.append(stepUpForm(id, ep, reload));
    if (ep && !ep.closed && ep.steppedUp) panel.append(closeSteppedUpForm(id, ep, reload));
  }
  return panel;
}

function timescaleItems(timescales) {
  return h('ol', { class: 'timescales' }, timescales.map((t) => h('li', { class: t.state },
    h('span', { class: 'name' }, TIMESCALE_WORDS[t.id] || t.id),
    h('span', { class: 'state' }, STATE_WORDS[t.state] || t.state),
    t.dueOn ? h('span', { class: 'due' }, ' · due ' + t.dueOn) : null,
    t.limitOn ? h('span', {}, ' · overdue after ' + t.limitOn) : null,
    t.metOn ? h('span', {}, ' · met ' + t.metOn) : null,
    t.daysLate ? h('span', {}, ' · ' + t.daysLate + (t.daysLate === 1 ? ' day' : ' days') + ' late') : null,
    t.reason ? h('span', { class: 'hint' }, ' (' + t.reason + ')') : null,
    t.meetingId ? h('span', { class: 'hint' }, ' (meeting ' + t.meetingId + ')') : null)));
}

// ------------------------------------------------------------------ why a record is read

// Where the role's policy wants one (serve --purpose-required; the session says), the reader
// says why before a family's record opens: kept for that family in this tab, and sent with each
// read of it, the page's name after it ("audit of case recording (chronology page)").
const PURPOSES = ['Triage of a concern', 'Case work with the family', 'Supervision or case review',
  'Audit of case recording', 'A court or legal request', 'A subject access request', 'A complaint'];
const REASON_KEY = 'caseledger.reason.';
const reasonFor = (id) => sessionStorage.getItem(REASON_KEY + id) || '';
function purpose(id, what) {
  const reason = reasonFor(id);
  return reason ? reason + ' (' + what + ')' : what;
}
const needsReason = (id) => !!(session.who && session.who.purposeRequired) && !reasonFor(id);

function purposeView(id, then) {
  const g = ++generation;
  const choice = h('select', { id: 'reason-choice', name: 'reason', required: true }, h('option', { value: '' }, 'Choose why'),
    PURPOSES.map((p) => h('option', { value: p }, p)), h('option', { value: 'other' }, 'Another reason (say which)'));
  const detail = h('input', { id: 'reason-detail', name: 'detail', maxlength: 140, autocomplete: 'off', size: 50 });
  choice.addEventListener('change', () => { detail.required = choice.value === 'other'; });
  const form = h('form', { class: 'stack', id: 'reason-form', onsubmit: (ev) => {
    ev.preventDefault();
    const reason = choice.value === 'other' ? detail.value.trim() : choice.value + (detail.value.trim() ? ': ' + detail.value.trim() : '');
    sessionStorage.setItem(REASON_KEY + id, reason.slice(0, 150));
    then();
  } }, field('Why do you need this record?', choice), field('Detail', detail, '(needed for another reason; otherwise optional, e.g. the referral or case number)'),
  h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Open the record')));
  show(g, 'Family ' + id + ': why?', h('p', {}, 'Your role says why it reads a family\'s record. Your answer is kept in the access log ' +
    'with every read of family ' + id + ' you make in this tab, and an auditor may ask you about it.'), form);
}

async function familyView(id, flash) {
  const g = ++generation;
  const base = '/v1/families/' + encodeURIComponent(id);
  let family, pack;
  try {
    // One page, one access record: both reads carry this view's page id (docs/api.md).
    const page = '&page=' + uuid();
    [family, pack] = await Promise.all([api(base + '?purpose=' + encodeURIComponent(purpose(id, 'family page')) + page), api(base + '/step-up-pack?purpose=' + encodeURIComponent(purpose(id, 'family page')) + page)]);
  } catch (err) {
    show(g, 'Family ' + id, notice('error', explain(err)));
    return;
  }
  const episodes = family.episodes || [];
  const open = episodes.find((e) => e.episodeId === family.openEpisodeId);
  const current = open || episodes[episodes.length - 1];
  const ts = current && pack.timescales.length ? { timescales: pack.timescales } : null;
  const today = pack.on;
  const content = [];
  content.push(h('p', { class: 'sub' }, 'Version ' + family.version + ' of the record · timescales as on ' + today));
  content.push(h('div', { class: 'actions' },
    h('a', { href: '#/family/' + encodeURIComponent(id) + '/chronology' }, 'Read the chronology'),
    is('auditor') ? h('a', { href: '#/audit?family=' + encodeURIComponent(id) }, 'Who read this record') : null));
  if (flash) content.push(flash);
  if (family.erased) content.push(notice('warn', 'This family\'s personal data was erased. Dates, kinds of events and timescales remain.'));
  if (family.legalHold) content.push(notice('warn', 'This family is under a legal hold.'));
  content.push(decisionPanel(id, pack, family.erased));

  content.push(h('h2', {}, 'Who is in the family'));
  content.push(table(['Name', 'Role', 'Date of birth'],
    (family.members || []).map((m) => [m.name || '', m.role, m.dateOfBirth || ''])));
  if (family.address) content.push(h('p', {}, h('strong', {}, 'Address: '), family.address));

  if (!current) {
    content.push(h('p', {}, 'No episode has been opened.'));
  } else {
    content.push(h('h2', {}, (open ? 'Open episode ' : 'Latest episode ') + current.episodeId));
    // People by name and agency, as the pack gives them for this episode.
    const named = pack.episode && pack.episode.episodeId === current.episodeId ? pack.episode : null;
    content.push(h('dl', { class: 'facts' },
      h('dt', {}, 'Status'), h('dd', {}, words(current.status)),
      h('dt', {}, 'Keyworker'), h('dd', {}, named ? personWords(named.keyworker) : current.keyworkerId),
      h('dt', {}, 'TAF members'), h('dd', {}, (named ? named.tafMembers.map(personWords) : (current.tafMembers || [])).join(', ') || 'none'),
      h('dt', {}, 'Consent'), h('dd', {}, consentWords(current.consent || {})),
      h('dt', {}, 'Registration completed'), h('dd', {}, current.registrationCompletedOn)));
    if (ts) {
      content.push(h('h2', {}, 'Timescales'));
      content.push(timescaleItems(ts.timescales));
    }
    content.push(familyCompliance(pack));
    const actions = (current.actions || []).filter((a) => a.status === 'open');
    content.push(h('h2', {}, 'Open actions'));
    const updates = is('practitioner') && !family.erased && current.status !== 'closed';
    content.push(actions.length
      ? table(['Action', 'Owner', 'Due', 'From meeting'].concat(updates ? ['Update'] : []), actions.map((a) => [
        a.description, a.owner, a.dueOn < today ? h('strong', {}, a.dueOn + ' (overdue)') : a.dueOn, a.meetingId]
        .concat(updates ? [actionForm(id, current.episodeId, a, (flash) => familyView(id, flash))] : [])))
      : h('p', {}, 'No open actions.'));
  }
  content.push(h('h2', {}, 'Concerns'));
  const concerns = family.concerns || [];
  content.push(concerns.length
    ? table(['Received', 'From', 'Kind', 'Summary', 'Threshold', 'Triage direction'], concerns.map((c) => [
      when(c.receivedAt), c.source, c.kind || '', c.summary || '',
      c.aboveThreshold ? 'above (child protection)' : 'below',
      c.directed ? c.direction : 'awaiting direction']))
    : h('p', {}, 'No concerns recorded.'));

  if (current && !family.erased && is(...NOTE_WRITERS)) content.push(noteForm(id, family, current));
  if (current && open && !family.erased && is('practitioner')) content.push(meetingForm(id, family, current));
  show(g, 'Family ' + id, ...content);
}

// A form's writes. The eventIds of what is on the form are made once and kept until it is
// saved or changed, so saving again after a lost answer is a retry the ledger recognises,
// never a second entry. A conflict shows what was recorded since the page was read, and the
// next save expects the version that includes it.
function writer(id, family, form, status, submit) {
  const w = {
    version: family.version,
    seenSeq: family.asOfSeq,
    ids: null,
    fresh() { w.ids = null; },
    // eventIds for `n` events: the same ones until the form changes.
    eventIds(n) {
      if (!w.ids || w.ids.length !== n) w.ids = Array.from({ length: n }, uuid);
      return w.ids;
    },
    async save(build, done) {
      status.replaceChildren();
      submit.disabled = true;
      try {
        const events = build();
        const answer = await api('/v1/families/' + encodeURIComponent(id) + '/events', {
          method: 'POST', body: { expectedVersion: w.version, events },
        });
        w.fresh();
        done(answer);
      } catch (err) {
        status.replaceChildren(notice('error', explain(err)));
        if (err.code === 'conflict') await w.showNews(err);
        else focusFault(form, err);
      } finally {
        submit.disabled = false;
      }
    },
    // What was recorded since the page was read, above the kept input.
    async showNews(err) {
      try {
        const chronology = await api('/v1/families/' + encodeURIComponent(id) + '/chronology?purpose=' + encodeURIComponent(purpose(id, 'conflict on a form')));
        const news = (chronology.entries || []).filter((e) => e.seq > w.seenSeq);
        status.append(h('p', {}, 'Recorded since you opened this page:'),
          news.length ? table(['Happened', 'Recorded by', 'What'], news.map((e) => [when(e.occurredAt), e.recordedBy.id, e.summary]))
            : h('p', {}, '(only reads of the record)'),
          h('p', {}, 'Your entry is kept below. Save again to record it after these.'));
        w.seenSeq = chronology.asOfSeq;
      } catch (e) { /* the refusal above still stands */ }
      if (typeof err.currentVersion === 'number') w.version = err.currentVersion;
    },
  };
  form.addEventListener('input', () => w.fresh());
  return w;
}

function episodeSelect(episodes, current) {
  return h('select', { name: 'episode' }, episodes.map((e) =>
    h('option', { value: e.episodeId, selected: e.episodeId === current.episodeId }, e.episodeId + ' (' + words(e.status) + ')')));
}

function noteForm(id, family, current) {
  const episode = episodeSelect(family.episodes || [], current);
  const category = h('select', { name: 'category' }, CATEGORIES.map((c) => h('option', { value: c }, words(c))));
  const text = h('textarea', { name: 'text', required: true, rows: 5 });
  const significant = h('input', { type: 'checkbox', name: 'significant', id: 'note-significant' });
  const agency = h('input', { name: 'sourceAgency', autocomplete: 'off' });
  const happened = h('input', { type: 'datetime-local', name: 'occurredAt', required: true, value: localInput(new Date()) });
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, 'Save the case note');
  let noteId = shortId('N');
  const form = h('form', { class: 'stack', id: 'note-form', 'aria-labelledby': 'note-heading' },
    h('h2', { id: 'note-heading' }, 'Add a case note'),
    field('Episode', episode), field('Category', category), field('What happened', text),
    h('div', { class: 'check' }, significant, h('label', { for: 'note-significant' }, 'Significant')),
    field('Source agency', agency, '(when another agency supplied this information)'),
    field('When it happened', happened, '(your local time)'),
    status,
    h('div', { class: 'actions' }, submit));
  const w = writer(id, family, form, status, submit);
  form.addEventListener('input', () => { noteId = shortId('N'); });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    w.save(() => {
      const data = { episodeId: episode.value, noteId, category: category.value, text: text.value, significant: significant.checked };
      if (agency.value.trim()) data.sourceAgency = agency.value.trim();
      return [{ eventId: w.eventIds(1)[0], type: 'caseNoteAdded', occurredAt: rfc3339(new Date(happened.value)), data }];
    }, (answer) => familyView(id, notice('ok', 'Case note saved (entry ' + answer.events[0].seq + '). ',
      h('a', { href: '#/family/' + encodeURIComponent(id) + '/chronology' }, 'See it in the chronology'))));
  });
  return form;
}

function meetingForm(id, family, current) {
  const episode = episodeSelect([current], current);  // the open episode: the only one that takes meetings
  const meetingId = h('input', { name: 'meetingId', required: true, value: 'M' + ((current.meetings || []).length + 1), size: 8 });
  const kind = h('select', { name: 'kind' }, ['initial', 'review', 'closure'].map((k) =>
    h('option', { value: k, selected: k === ((current.meetings || []).length ? 'review' : 'initial') }, k)));
  const held = h('input', { type: 'datetime-local', name: 'heldAt', required: true, value: localInput(new Date()) });
  const attendees = h('textarea', { name: 'attendees', rows: 3, required: true });
  const outcome = h('select', { name: 'outcome' }, [['continue', 'continue'], ['stepUp', 'step up'], ['close', 'close']].map(([v, t]) => h('option', { value: v }, t)));
  const nextReview = h('input', { type: 'date', name: 'nextReviewOn', required: true });
  // A meeting that continues the plan needs its next review (review-6-12-weeks).
  outcome.addEventListener('change', () => { nextReview.required = outcome.value === 'continue'; });
  const rows = h('div', {});
  const addRow = () => {
    const n = rows.children.length + 1;
    const inputs = [h('input', { name: 'description', size: 34 }), h('input', { name: 'owner', size: 10 }), h('input', { type: 'date', name: 'dueOn' })];
    // A row once begun is complete: a description, an owner and a due day.
    const require = () => { const any = inputs.some((i) => i.value.trim()); inputs.forEach((i) => { i.required = any; }); };
    inputs.forEach((i) => i.addEventListener('input', require));
    rows.append(h('div', { class: 'row' },
      field('Action ' + n, inputs[0]), field('Owner of action ' + n, inputs[1]), field('Action ' + n + ' due on', inputs[2])));
  };
  addRow();
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, 'Record the meeting');
  const form = h('form', { class: 'stack', id: 'meeting-form', 'aria-labelledby': 'meeting-heading' },
    h('h2', { id: 'meeting-heading' }, 'Record a TAF meeting'),
    field('Episode', episode), field('Meeting id', meetingId), field('Kind', kind),
    field('When it was held', held, '(your local time)'),
    field('Who attended', attendees, '(one per line)'), field('Outcome', outcome),
    field('Next review on', nextReview, '(needed when the plan continues)'),
    h('fieldset', {}, h('legend', {}, 'Action plan'), rows,
      h('button', { type: 'button', class: 'secondary', onclick: addRow }, 'Add another action')),
    status,
    h('div', { class: 'actions' }, submit));
  const w = writer(id, family, form, status, submit);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    let actions = [];
    w.save(() => {
      const meeting = {
        episodeId: episode.value, meetingId: meetingId.value.trim(), kind: kind.value,
        attendees: attendees.value.split('\n').map((s) => s.trim()).filter(Boolean), outcome: outcome.value,
      };
      if (nextReview.value) meeting.nextReviewOn = nextReview.value;
      actions = [];
      for (const [i, row] of Array.from(rows.children).entries()) {
        const [d, o, due] = ['description', 'owner', 'dueOn'].map((n) => row.querySelector('[name=' + n + ']').value.trim());
        if (!d && !o && !due) continue;
        actions.push({ actionId: meeting.meetingId + '-A' + (i + 1), description: d, owner: o, dueOn: due, status: 'open' });
      }
      // The plan is agreed at the meeting: it carries the meeting's time.
      const at = rfc3339(new Date(held.value));
      const ids = w.eventIds(actions.length ? 2 : 1);
      const events = [{ eventId: ids[0], type: 'tafMeetingHeld', occurredAt: at, data: meeting }];
      if (actions.length) {
        events.push({ eventId: ids[1], type: 'actionPlanUpdated', occurredAt: at, data: { episodeId: meeting.episodeId, meetingId: meeting.meetingId, actions } });
      }
      return events;
    }, () => familyView(id, notice('ok', 'TAF meeting ' + meetingId.value.trim() + ' recorded' + (actions.length ? ' with its action plan.' : '.'))));
  });
  return form;
}

// ------------------------------------------------------------------ chronology

// The chronology's categories, as the API takes them: read from its OpenAPI document (the
// category parameter's values), so the filter offers exactly what the column shows.
let chronologyCategories = null;
async function categories() {
  if (!chronologyCategories) {
    try {
      const doc = await api('/v1/openapi.json', { token: null });
      const param = doc.paths['/v1/families/{id}/chronology'].get.parameters.find((p) => p.name === 'category');
      chronologyCategories = param.schema.items.enum;
    } catch (e) {
      chronologyCategories = CATEGORIES;  // the case notes' at least
    }
  }
  return chronologyCategories;
}
// What a triage manager decides from, in one choice.
const CONCERNS_AND_DECISIONS = 'concern,triage,referral,stepUp,closure';
const categoryWords = (list) => (list === CONCERNS_AND_DECISIONS ? 'concerns and decisions' : list.split(',').map(words).join(', '));

async function chronologyView(id, params, flash) {
  const g = ++generation;
  const cats = await categories();
  const q = new URLSearchParams();
  for (const k of ['episode', 'from', 'to', 'category', 'asOf']) if (params.get(k)) q.set(k, params.get(k));
  if (params.get('significant') === 'true') q.set('significant', 'true');
  q.set('purpose', purpose(id, 'chronology page'));
  const base = '/v1/families/' + encodeURIComponent(id) + '/chronology';
  const title = 'Chronology of family ' + id;
  let chronology;
  try {
    chronology = await api(base + '?' + q.toString());
  } catch (err) {
    show(g, title, filterForm(id, params, cats), notice('error', explain(err)));
    return;
  }
  const entries = chronology.entries || [];
  const corrects = is(...NOTE_WRITERS) && !params.get('asOf');
  const rows = entries.map((e) => {
    const what = [];
    if (e.significant) what.push(h('span', { class: 'mark significant' }, 'Significant'));
    if (e.corrected) what.push(h('span', { class: 'mark corrected' }, 'Corrected'));
    what.push(e.summary);
    if (e.corrected && e.correction) {
      what.push(h('span', { class: 'correction' }, 'Corrected by ' + e.correction.by + ' at ' + when(e.correction.recordedAt) +
        ': ' + e.correction.reason + (e.correction.correctedSummary ? '. Now reads: ' + e.correction.correctedSummary : '')));
    }
    // A computed entry (seq 0: a missed timescale, an action past its day) is worked out by the
    // ledger on the day it is judged, never recorded by anyone.
    const recorded = e.seq > 0 && e.recordedBy && e.recordedBy.id
      ? [when(e.recordedAt) + ' by ' + e.recordedBy.id + ' (' + (ROLE_WORDS[e.recordedBy.role] || e.recordedBy.role) + ')']
      : ['worked out by the ledger, not recorded'];
    if (e.late) recorded.push(' ', h('span', { class: 'mark late' }, 'Late: ' + e.lateWorkingDays + ' working days'));
    // An auditor's entry number opens its inclusion proof; a writer may correct a recorded entry.
    const number = e.seq <= 0 ? '–' : is('auditor') ? h('a', { href: '#/audit?seq=' + e.seq, 'aria-label': 'Entry ' + e.seq + ': check its proof' }, String(e.seq)) : String(e.seq);
    const correct = e.seq > 0 && corrects ? h('a', { class: 'noprint', href: '#/family/' + encodeURIComponent(id) + '/correct?entry=' + e.seq,
      'aria-label': 'Correct entry ' + e.seq }, 'correct') : null;
    return [h('span', {}, number, correct ? h('br') : null, correct), when(e.occurredAt), h('span', {}, ...recorded), e.episodeId || '', words(e.category), h('span', {}, ...what), e.sourceAgency || ''];
  });
  const asOf = params.get('asOf');
  // What was left out is said on the page (and so in print): a partial view must not pass for
  // the whole record.
  const filters = [];
  if (params.get('significant') === 'true') filters.push('significant entries only');
  if (params.get('category')) filters.push('category ' + categoryWords(params.get('category')));
  if (params.get('from')) filters.push('from ' + params.get('from'));
  if (params.get('to')) filters.push('to ' + params.get('to'));
  if (params.get('episode')) filters.push('episode ' + params.get('episode') + ' (and the family\'s own entries)');
  // Filled when the page is printed (printRecord): a printed chronology says whose it is, who
  // printed it and when, and which signed state of the log it was read from.
  const printHeader = h('div', { class: 'printonly print-header', id: 'print-header' });
  show(g, title,
    printHeader,
    flash || null,
    h('p', { class: 'sub' }, (asOf ? 'As the record stood at ' + when(asOf) : 'The current record') +
      ' · up to entry ' + chronology.asOfSeq + ' · ' + entries.length + ' entries, in the order they happened' +
      ' · times in London' + (filters.length ? ' · filtered: ' + filters.join(', ') : ' · not filtered')),
    filterForm(id, params, cats),
    h('div', { class: 'actions' },
      h('a', { href: '#/family/' + encodeURIComponent(id) + '/chronology?category=' + CONCERNS_AND_DECISIONS }, 'Concerns and decisions only'),
      h('button', { type: 'button', onclick: () => printRecord(id, chronology, asOf, filters, printHeader) }, 'Print'),
      h('button', { type: 'button', class: 'secondary', onclick: () => downloadCsv(base, q, id) }, 'Download CSV'),
      h('a', { href: '#/family/' + encodeURIComponent(id) }, 'Back to the family')),
    entries.length
      ? table(['Entry', 'Happened', 'Recorded', 'Episode', 'Category', 'What', 'Source'], rows,
        (i) => ({ id: entries[i].seq > 0 ? 'entry-' + entries[i].seq : null, class: [entries[i].significant ? 'significant' : '', entries[i].late ? 'late' : '',
          String(entries[i].seq) === params.get('entry') ? 'chosen' : ''].join(' ').trim() || null }), 'chronology')
      : h('p', {}, 'No entries match.'));
  // Linked from the family page's significant entries: that entry, in its place.
  const chosen = params.get('entry') && document.getElementById('entry-' + params.get('entry'));
  if (chosen) chosen.scrollIntoView({ block: 'center' });
}

// The protective marking printed at the top of every page (CSS @page) and in the header.
// The server's (serve --marking; app.css has the default), given with the session.
const marking = () => (session.who && session.who.marking) || 'OFFICIAL-SENSITIVE';
// The marking at the top of every printed page: a @page rule after app.css's (the marking holds
// no quote or backslash: IsValidMarking).
let markedWith = 'OFFICIAL-SENSITIVE';
function markPages() {
  const sheet = Array.from(document.styleSheets).find((s) => s.href && s.href.endsWith('app.css'));
  if (!sheet || marking() === markedWith) return;
  sheet.insertRule('@page { @top-center { content: "' + marking() + '"; } }', sheet.cssRules.length);
  markedWith = marking();
}

// Fills the printed record's header, then prints. Reading the family for its children's names
// and dates of birth records the print in the access log ("printed chronology"); the
// checkpoint is the signed tree of the size the chronology was read at.
async function printRecord(id, chronology, asOf, filters, header) {
  const lines = [];
  try {
    const [family, checkpoint] = await Promise.all([
      api('/v1/families/' + encodeURIComponent(id) + '?purpose=' + encodeURIComponent(purpose(id, 'printed chronology')) + (asOf ? '&asOf=' + encodeURIComponent(asOf) : '')),
      api('/v1/ledger/checkpoint?asOfSeq=' + chronology.asOfSeq),
    ]);
    const children = (family.members || []).filter((m) => m.role === 'child');
    lines.push(h('p', { class: 'marking' }, marking()));
    lines.push(h('p', {}, h('strong', {}, 'Chronology of family ' + id), children.length ? ': ' + children.map((c) =>
      (c.name || '[erased]') + (c.dateOfBirth ? ', born ' + c.dateOfBirth : '')).join('; ') : ''));
    lines.push(h('p', {}, (asOf ? 'As the record stood at ' + when(asOf) : 'The record as it stood when printed') +
      ', up to entry ' + chronology.asOfSeq + (filters.length ? '; filtered: ' + filters.join(', ') : '; not filtered') + '. Times in London.'));
    const cp = checkpoint.split('\n');
    lines.push(h('p', {}, 'Read from the log of ' + cp[1] + ' entries, signed checkpoint root ', h('code', { class: 'hash' }, toHex(fromBase64(cp[2]))),
      ' (' + cp[0] + ').'));
    lines.push(h('p', {}, 'Printed by ' + session.who.actorId + ' (' + (ROLE_WORDS[role()] || role()) + ') at ' + LONDON.format(new Date()) + ' (London).'));
  } catch (err) {
    main().append(notice('error', 'Not printed: ' + explain(err)));
    return;
  }
  header.replaceChildren(...lines);
  window.print();
}

function filterForm(id, params, cats) {
  const significant = h('input', { type: 'checkbox', id: 'f-significant', checked: params.get('significant') === 'true' });
  const chosen = params.get('category') || '';
  const choices = [CONCERNS_AND_DECISIONS].concat(cats);
  if (chosen && !choices.includes(chosen)) choices.push(chosen);
  const category = h('select', { id: 'f-category' }, h('option', { value: '' }, 'all'),
    choices.map((c) => h('option', { value: c, selected: chosen === c }, categoryWords(c))));
  const from = h('input', { type: 'date', id: 'f-from', value: params.get('from') || '' });
  const to = h('input', { type: 'date', id: 'f-to', value: params.get('to') || '' });
  const episode = h('input', { id: 'f-episode', size: 6, value: params.get('episode') || '' });
  const asOfValue = params.get('asOf') ? localInput(new Date(params.get('asOf'))) : '';
  const asOf = h('input', { type: 'datetime-local', id: 'f-asof', value: asOfValue });
  return h('form', {
    class: 'inline', 'aria-label': 'Filter the chronology', onsubmit: (ev) => {
      ev.preventDefault();
      const q = new URLSearchParams();
      if (significant.checked) q.set('significant', 'true');
      if (category.value) q.set('category', category.value);
      if (from.value) q.set('from', from.value);
      if (to.value) q.set('to', to.value);
      if (episode.value.trim()) q.set('episode', episode.value.trim());
      if (asOf.value) q.set('asOf', rfc3339(new Date(asOf.value)));
      location.hash = '#/family/' + encodeURIComponent(id) + '/chronology' + (q.toString() ? '?' + q.toString() : '');
    },
  },
  h('div', { class: 'check' }, h('label', { for: 'f-significant' }, 'Significant only'), significant),
  field('Category', category), field('From', from), field('To', to), field('Episode', episode),
  field('As of', asOf, '(your local time)'),
  h('div', {}, h('button', { type: 'submit' }, 'Show')));
}

async function downloadCsv(base, q, id) {
  const csv = new URLSearchParams(q);
  csv.set('format', 'csv');
  csv.set('purpose', purpose(id, 'chronology downloaded as CSV'));  // a download, recorded as such
  try {
    const res = await api(base + '?' + csv.toString(), { raw: true });
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: 'chronology-' + id + '.csv' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    main().append(notice('error', explain(err)));
  }
}

// ------------------------------------------------------------------ inbox and dashboard

const SOURCE_WORDS = { police: 'Police', school: 'School', health: 'Health', professional: 'A professional', public: 'A member of the public', other: 'Other' };
const CONSENT_WORDS = { notYetGiven: 'not yet given', given: 'given', refused: 'refused', withdrawn: 'withdrawn' };
const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);
const SHOW = [['all', 'every family'], ['awaiting', 'a concern awaiting a direction'], ['breach', 'a timescale breached'],
  ['noContact', 'no contact for 4 weeks or more']];
const ORDER = [['priority', 'priority (the one most needing attention first)'], ['waiting', 'longest waiting for a direction'],
  ['overdue', 'most days overdue'], ['contact', 'longest without contact']];

// The triage queue: one card per family, the one most needing attention first, each saying
// why; a direction or a step-up is recorded from the card.
async function queueView(params, flash) {
  const g = ++generation;
  let q;
  try {
    q = await api('/v1/triage/queue?purpose=triage%20queue');
  } catch (err) {
    show(g, 'Triage queue', notice('error', explain(err)));
    return;
  }
  session.awaiting = q.awaitingDirection;
  renderChrome();
  const showBy = params.get('show') || 'all';
  const orderBy = params.get('order') || 'priority';
  const daysWithoutContact = (r) => (r.lastContactOn ? Math.round((Date.parse(q.on) - Date.parse(r.lastContactOn)) / 864e5) : Infinity);
  const filters = {
    all: () => true,
    awaiting: (r) => r.awaiting.length > 0,
    breach: (r) => r.breaches.length > 0,
    noContact: (r) => r.openEpisode && daysWithoutContact(r) >= 28,
  };
  const keys = {
    priority: (r) => r.rank,
    waiting: (r) => -(r.awaiting.length ? r.awaiting[0].daysWaiting : -1),
    overdue: (r) => -(r.breaches.length ? r.breaches[0].daysOverdue : -1),
    contact: (r) => -daysWithoutContact(r),
  };
  const rows = q.queue.filter(filters[showBy] || filters.all)
    .sort((a, b) => ((keys[orderBy] || keys.priority)(a) - (keys[orderBy] || keys.priority)(b)) || a.rank - b.rank);
  const showSelect = h('select', { id: 'q-show' }, SHOW.map(([v, t]) => h('option', { value: v, selected: v === showBy }, t)));
  const orderSelect = h('select', { id: 'q-order' }, ORDER.map(([v, t]) => h('option', { value: v, selected: v === orderBy }, t)));
  const controls = h('form', {
    class: 'inline', 'aria-label': 'Filter and order the queue', onsubmit: (ev) => {
      ev.preventDefault();
      location.hash = '#/queue?show=' + showSelect.value + '&order=' + orderSelect.value;
    },
  }, field('Show families with', showSelect), field('In order of', orderSelect), h('div', {}, h('button', { type: 'submit' }, 'Show')));
  const content = [
    h('p', { class: 'sub' }, 'Families with an open episode, and families a concern was received about while no episode was open · ' +
      'as on ' + q.on + ' · up to entry ' + q.asOfSeq),
    h('p', { id: 'queue-summary' }, h('strong', {}, plural(q.awaitingDirection, 'concern', 'concerns') + ' awaiting a direction'),
      ' · ' + plural(q.families, 'family', 'families') + ' in the queue' +
      (rows.length !== q.queue.length ? ' · ' + rows.length + ' shown' : '')),
    controls,
  ];
  if (flash) content.splice(1, 0, flash);
  if (q.staleConcerns) {
    content.push(notice('', plural(q.staleConcerns, 'concern was', 'concerns were') + ' never given a direction before ' +
      (q.staleConcerns === 1 ? 'its episode' : 'their episodes') + ' ended (closed or stepped up): not listed here; ' +
      'each stays on its family\'s record and chronology.'));
  }
  content.push(rows.length ? h('ol', { class: 'queue' }, rows.map((r) => queueCard(r, q.on))) : h('p', {}, 'No family matches.'));
  show(g, 'Triage queue', ...content);
}

function queueCard(r, on) {
  const id = r.familyId;
  const link = h('a', { href: '#/family/' + encodeURIComponent(id) }, 'Family ' + id);
  const card = h('li', { class: 'card tier' + r.tier, 'aria-labelledby': 'q-' + id },
    h('h2', { id: 'q-' + id }, h('span', { class: 'rank' }, r.rank + '. '), link),
    h('ul', { class: 'why' }, r.why.map((w) => h('li', {}, w))));
  const facts = [];
  if (r.episode) {
    facts.push(h('dt', {}, 'Episode'), h('dd', {}, r.episode.episodeId + ' (' + words(r.episode.status) + '), keyworker ' + r.episode.keyworkerId));
    facts.push(h('dt', {}, 'Consent'), h('dd', {}, r.consent === 'given' ? 'given' : h('strong', {}, CONSENT_WORDS[r.consent] || r.consent)));
    facts.push(h('dt', {}, 'Assessment'), h('dd', {}, r.episode.assessmentFinalised ? 'finalised'
      : r.assessmentOverdue ? h('strong', {}, 'not finalised, past its 3 weeks') : 'not finalised'));
  } else {
    facts.push(h('dt', {}, 'Episode'), h('dd', {}, h('strong', {}, 'none open: no one is working with the family')));
  }
  if (r.breaches.length) {
    const b = r.breaches[0];
    facts.push(h('dt', {}, 'Worst breach'), h('dd', {}, h('strong', {}, (TIMESCALE_WORDS[b.timescale] || b.timescale) + ': ' +
      plural(b.daysOverdue, 'day', 'days') + ' overdue'), r.breaches.length > 1 ? ' (and ' + (r.breaches.length - 1) + ' more)' : null));
  }
  if (r.episode) facts.push(h('dt', {}, 'Last contact'), h('dd', {}, r.lastContactOn || 'none recorded'));
  card.append(h('dl', { class: 'facts' }, ...facts));
  for (const c of r.awaiting) {
    const box = h('div', { class: 'concern' },
      h('h3', {}, 'Concern ' + c.concernId + ': ' + (SOURCE_WORDS[c.source] || c.source) + (c.kind ? ', ' + words(c.kind) : '')),
      h('p', {}, 'Received ' + when(c.receivedAt) + ' · ', h('strong', {}, plural(c.daysWaiting, 'day', 'days') + ' waiting for a direction')),
      c.summary ? h('p', { class: 'summary' }, c.summary) : null);
    box.append(directionForm(id, c));
    card.append(box);
  }
  if (r.episode && r.episode.status !== 'steppedUp') card.append(stepUpForm(id, r.episode));
  if (r.episode && r.episode.status === 'steppedUp') card.append(closeSteppedUpForm(id, r.episode));
  return card;
}

// Appends one event to a family as its answer's confirmation says; any version (a direction
// names its concern, a step-up its episode: the ledger's rules refuse what no longer fits).
async function appendOne(familyId, type, data, status, submit, done, occurredAt = new Date()) {
  status.replaceChildren();
  submit.disabled = true;
  try {
    const answer = await api('/v1/families/' + encodeURIComponent(familyId) + '/events', {
      method: 'POST', body: { expectedVersion: 'any', events: [{ eventId: submit.dataset.eventId, type, occurredAt: rfc3339(occurredAt), data }] },
    });
    done(answer);
  } catch (err) {
    status.replaceChildren(notice('error', explain(err)));
    focusFault(status.closest('form'), err);
  } finally {
    submit.disabled = false;
  }
}

// The fields a rule's refusal is about, where a form has them (the rules name no field).
const RULE_FIELDS = {
  'no-future-events': ['occurredAt', 'heldAt'], 'closure-needs-reason': ['detail', 'reason'], 'dates-in-order': ['nextReviewOn', 'occurredAt'],
  'corrections-not-edits': ['meetingId'],
};

// After a refusal: the focus on the field at fault, marked invalid until it is changed. The
// field is the one the answer names (its path, "events[0].data.detail", or the replacement's
// field a rule names at the end of its message, "(text)"), else the form's first input.
function focusFault(form, err) {
  if (!form) return;
  const named = [];
  if (err && err.field) {
    const path = err.field.replace(/^events\[\d+\]\.(data\.)?/, '');
    named.push(path, path.split('.').pop());
  }
  if (err && RULE_FIELDS[err.rule]) named.push(...RULE_FIELDS[err.rule]);
  const inMessage = err && err.message && err.message.match(/\(([A-Za-z.]+)\)$/);
  if (inMessage) named.push('replacement.' + inMessage[1]);
  let at = null;
  for (const name of named) {
    at = form.querySelector('[name="' + CSS.escape(name) + '"]');
    if (at) break;
  }
  at = at || form.querySelector('textarea, select, input:not([type=hidden])');
  if (!at) return;
  at.setAttribute('aria-invalid', 'true');
  at.addEventListener('input', () => at.removeAttribute('aria-invalid'), { once: true });
  at.focus();
}

// The threshold a decision considered (Hertfordshire's Continuum of Need, which the seeds name
// for safeguarding decisions). It opens the recorded text, so the chronology and the printed
// record carry it with the rationale.
const LEVELS = [['1', 'universal services'], ['2', 'additional needs'], ['3', 'intensive support, early help'],
  ['4', 'specialist, children\'s social care']];
function thresholdSelect(id, level) {
  return h('select', { name: 'threshold', required: true, id }, h('option', { value: '' }, 'Choose the level considered'),
    LEVELS.map(([v, t]) => h('option', { value: v, selected: v === level }, 'Level ' + v + ': ' + t)));
}
const withThreshold = (select, text) => 'Threshold considered: Continuum of Need level ' + select.value + ' (' +
  LEVELS.find(([v]) => v === select.value)[1] + '). ' + text;

function directionForm(familyId, concern, reload = queueReload) {
  const level = thresholdSelect('dir-level-' + familyId + '-' + concern.concernId, '');
  const text = h('textarea', { name: 'direction', required: true, rows: 3, id: 'dir-' + familyId + '-' + concern.concernId });
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', 'data-event-id': uuid() }, 'Record the direction');
  const form = h('form', { class: 'stack decision', 'aria-label': 'Direction on concern ' + concern.concernId + ' of family ' + familyId },
    field('Threshold considered', level), field('Direction and rationale', text, '(what is to happen, by whom, and why)'), status,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('input', () => { submit.dataset.eventId = uuid(); });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    appendOne(familyId, 'triageDirectionGiven', { concernId: concern.concernId, direction: withThreshold(level, text.value.trim()) }, status, submit,
      (answer) => reload(notice('ok', 'Direction on concern ' + concern.concernId + ' of family ' + familyId +
        ' recorded (entry ' + answer.events[0].seq + ').')));
  });
  return h('details', {}, h('summary', {}, 'Give a direction on concern ' + concern.concernId), form);
}

// After a decision recorded from the queue: the queue again, with the confirmation.
const queueReload = (flash) => queueView(new URLSearchParams(location.hash.split('?')[1] || ''), flash);

// The closure that follows a step-up (reason steppedUp), by the triage manager.
function closeSteppedUpForm(familyId, episode, reload = queueReload) {
  const detail = h('textarea', { name: 'detail', rows: 2, id: 'close-detail-' + familyId });
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', 'data-event-id': uuid() }, 'Record the closure');
  const form = h('form', { class: 'stack decision', 'aria-label': 'Close episode ' + episode.episodeId + ' of family ' + familyId },
    h('p', {}, 'The episode was stepped up; its closure (reason: stepped up) ends the early help episode.'),
    field('Detail', detail, '(optional: who took the case, and when)'), status, h('div', { class: 'actions' }, submit));
  form.addEventListener('input', () => { submit.dataset.eventId = uuid(); });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const data = { episodeId: episode.episodeId, reason: 'steppedUp' };
    if (detail.value.trim()) data.detail = detail.value.trim();
    appendOne(familyId, 'episodeClosed', data, status, submit,
      (answer) => reload(notice('ok', 'Episode ' + episode.episodeId + ' of family ' + familyId +
        ' closed (entry ' + answer.events[0].seq + ').')));
  });
  return h('details', {}, h('summary', {}, 'Close stepped-up episode ' + episode.episodeId), form);
}

function stepUpForm(familyId, episode, reload = queueReload) {
  const to = h('select', { name: 'to', id: 'up-to-' + familyId }, [['assessmentAndIntervention', 'Assessment and Intervention'],
    ['familySafeguarding', 'Family Safeguarding']].map(([v, t]) => h('option', { value: v }, t)));
  const level = thresholdSelect('up-level-' + familyId, '4');
  const reason = h('textarea', { name: 'reason', required: true, rows: 3, id: 'up-reason-' + familyId });
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', 'data-event-id': uuid() }, 'Record the step-up');
  const form = h('form', { class: 'stack decision', 'aria-label': 'Step up episode ' + episode.episodeId + ' of family ' + familyId },
    field('Step up to', to), field('Threshold considered', level), field('Reason and rationale', reason, '(the evidence in the chronology)'), status,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('input', () => { submit.dataset.eventId = uuid(); });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    appendOne(familyId, 'steppedUp', { episodeId: episode.episodeId, to: to.value, reason: withThreshold(level, reason.value.trim()) }, status, submit,
      (answer) => reload(notice('ok', 'Episode ' + episode.episodeId + ' of family ' + familyId + ' stepped up to ' +
        words(to.value) + ' (entry ' + answer.events[0].seq + '). Record its closure once the receiving team has taken the case.')));
  });
  return h('details', {}, h('summary', {}, 'Step up episode ' + episode.episodeId), form);
}

// ------------------------------------------------------------------ corrections

// The data an entry holds now: its own, or the replacement of its latest correction
// (corrections-not-edits: nothing is changed, a correction says what the entry should read).
function currentData(events, corrections, seq) {
  const latest = corrections.find((c) => c.correctsSeq === seq);
  const replaced = latest && events.get(latest.seq);
  return replaced && replaced.data.replacement ? replaced.data.replacement : events.get(seq).data;
}

// One input per field a person may correct: words, numbers, yes/no and lists of words. Ids
// that tie the entry to others (episodeId, meetingId...) and nested records are kept as they
// are (a wrong id is corrected by a note of the reason alone).
function correctionInputs(data) {
  const inputs = [];
  for (const [key, value] of Object.entries(data)) {
    if (/Id$/.test(key)) continue;
    const name = 'replacement.' + key;
    let input = null;
    if (key === 'category' && CATEGORIES.includes(value)) {  // a case note's: one of the list
      input = h('select', { name }, CATEGORIES.map((c) => h('option', { value: c, selected: c === value }, words(c))));
    } else if (typeof value === 'string') {
      input = value.length > 60 || key === 'text' ? h('textarea', { name, rows: 4 }, value) : h('input', { name, value, size: 40 });
    } else if (typeof value === 'number') {
      input = h('input', { name, type: 'number', value: String(value) });
    } else if (typeof value === 'boolean') {
      input = h('select', { name }, h('option', { value: 'true', selected: value }, 'yes'), h('option', { value: 'false', selected: !value }, 'no'));
    } else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
      input = h('textarea', { name, rows: Math.max(2, value.length), 'data-list': 'true' }, value.join('\n'));
    }
    if (input) inputs.push([key, input]);
  }
  return inputs;
}

function replacementFrom(data, inputs) {
  const out = JSON.parse(JSON.stringify(data));
  let changed = false;
  for (const [key, input] of inputs) {
    const before = JSON.stringify(out[key]);
    if (typeof data[key] === 'number') out[key] = Number(input.value);
    else if (typeof data[key] === 'boolean') out[key] = input.value === 'true';
    else if (input.dataset.list) out[key] = input.value.split('\n').map((v) => v.trim()).filter(Boolean);
    else out[key] = input.value;
    if (JSON.stringify(out[key]) !== before) changed = true;
  }
  return changed ? out : null;
}

// Correct one recorded entry: what it says now, what it should say, and why. The entry keeps
// its place; the chronology then shows it, its correction and who made it.
async function correctionView(id, params) {
  const g = ++generation;
  const seq = Number(params.get('entry'));
  const title = 'Correct entry ' + seq + ' of family ' + id;
  const base = '/v1/families/' + encodeURIComponent(id);
  const back = h('a', { href: '#/family/' + encodeURIComponent(id) + '/chronology?entry=' + seq }, 'Back to the chronology');
  let family, events;
  try {
    const page = '&page=' + uuid();
    family = await api(base + '?purpose=' + encodeURIComponent(purpose(id, 'correcting an entry')) + page);
    events = new Map();
    for (let from = 1; from;) {  // every page of the family's events
      const answer = await api(base + '/events?purpose=' + encodeURIComponent(purpose(id, 'correcting an entry')) + page + '&fromVersion=' + from + '&limit=1000');
      for (const e of answer.events || []) events.set(e.seq, e);
      from = answer.nextFromVersion || 0;
    }
  } catch (err) {
    show(g, title, notice('error', explain(err)), back);
    return;
  }
  const event = events.get(seq);
  if (!event) {
    show(g, title, notice('error', 'Family ' + id + ' has no entry ' + seq + ': choose one from its chronology.'), back);
    return;
  }
  const data = currentData(events, family.corrections || [], seq);
  const inputs = correctionInputs(data);
  const reason = h('textarea', { name: 'reason', required: true, rows: 3, id: 'correction-reason' });
  const f = oneEventForm('Correction of entry ' + seq, 'Record the correction',
    h('fieldset', {}, h('legend', {}, 'What the entry should say'),
      inputs.length ? inputs.map(([key, input]) => field(capital(words(key)), input)) : h('p', {}, 'Nothing in this entry can be changed here; record why it is wrong.'),
      h('p', { class: 'hint' }, 'Leave it as it is to record only why it is wrong.')),
    field('Why it is corrected', reason, '(what was wrong, and how you know)'));
  f.form.id = 'correction-form';
  f.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const correction = { correctsSeq: seq, reason: reason.value.trim() };
    const replacement = replacementFrom(data, inputs);
    if (replacement) correction.replacement = replacement;
    appendOne(id, 'recordCorrected', correction, f.status, f.submit, (answer) => {
      history.pushState(null, '', '#/family/' + encodeURIComponent(id) + '/chronology?entry=' + seq);
      chronologyView(id, new URLSearchParams('entry=' + seq), notice('ok', 'Correction of entry ' + seq + ' recorded (entry ' + answer.events[0].seq + ').'));
    });
  });
  const corrected = (family.corrections || []).find((c) => c.correctsSeq === seq);
  show(g, title,
    h('p', { class: 'sub' }, 'Nothing in the record is changed or deleted: the correction is a new entry that names this one and says why. ' +
      'Every view then uses the corrected details; the chronology shows the entry, its correction and who made it.'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Entry'), h('dd', {}, seq + ': ' + words(event.type)),
      h('dt', {}, 'Happened'), h('dd', {}, when(event.occurredAt)),
      h('dt', {}, 'Recorded'), h('dd', {}, when(event.recordedAt) + ' by ' + event.actor.id + ' (' + (ROLE_WORDS[event.actor.role] || event.actor.role) + ')'),
      corrected ? [h('dt', {}, 'Corrected before'), h('dd', {}, when(corrected.recordedAt) + ' by ' + corrected.by + ': ' + corrected.reason +
        ' (the form starts from that correction)')] : null),
    f.form, back);
}

// ------------------------------------------------------------------ the keyworker's forms

const CLOSURE_WORDS = { needsMet: 'needs met', consentWithdrawn: 'consent withdrawn', movedOutOfArea: 'moved out of the area',
  singleAgencySufficient: 'a single agency is enough', other: 'another reason (say which)' };
const dateTimeInput = (name, id) => h('input', { type: 'datetime-local', name, id, required: true, value: localInput(new Date()) });
// A keyworker's one-event form: a fresh eventId each time its input changes (a retry of the
// same input is recognised by the ledger, never recorded twice).
function oneEventForm(label, submitText, ...fields) {
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', 'data-event-id': uuid() }, submitText);
  const form = h('form', { class: 'stack decision', 'aria-label': label }, ...fields, status, h('div', { class: 'actions' }, submit));
  form.addEventListener('input', () => { submit.dataset.eventId = uuid(); });
  return { form, status, submit };
}

// The outcome of a TAF meeting shared with the parents (share-within-5-wd): clears that breach.
function shareForm(familyId, episode, meeting, reload) {
  const at = dateTimeInput('occurredAt', 'share-at-' + familyId + '-' + meeting.meetingId);
  const f = oneEventForm('Outcome of meeting ' + meeting.meetingId + ' shared with the parents', 'Record that it was shared',
    h('p', {}, 'Meeting ' + meeting.meetingId + ' (' + meeting.kind + ', held ' + when(meeting.heldAt) + '): its outcome (' +
      words(meeting.outcome) + ') and the plan are owed to the parents within 5 working days.'),
    field('When it was shared', at, '(your local time)'));
  f.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    appendOne(familyId, 'outcomeSharedWithParents', { episodeId: episode.episodeId, meetingId: meeting.meetingId }, f.status, f.submit,
      (answer) => reload(notice('ok', 'The outcome of meeting ' + meeting.meetingId + ' is recorded as shared with the parents (entry ' +
        answer.events[0].seq + ').')), new Date(at.value));
  });
  return h('details', { open: true }, h('summary', {}, 'Share the outcome of meeting ' + meeting.meetingId + ' with the parents'), f.form);
}

// The keyworker's closure (a step-up's closure is the triage manager's: closeSteppedUpForm).
function closeForm(familyId, episode, reload) {
  const reasons = Object.keys(CLOSURE_WORDS).filter((r) => r !== 'consentWithdrawn' || episode.consent.withdrawn);
  const reason = h('select', { name: 'reason', id: 'close-reason-' + familyId },
    reasons.map((r) => h('option', { value: r, selected: r === (episode.consent.withdrawn ? 'consentWithdrawn' : 'needsMet') }, CLOSURE_WORDS[r])));
  const detail = h('textarea', { name: 'detail', rows: 2, id: 'close-why-' + familyId });
  const meetings = episode.meetings || [];
  const meeting = h('select', { name: 'meetingId', id: 'close-meeting-' + familyId }, h('option', { value: '' }, 'none'),
    meetings.map((m) => h('option', { value: m.meetingId, selected: m.kind === 'closure' }, m.meetingId + ' (' + m.kind + ', ' + when(m.heldAt) + ')')));
  const at = dateTimeInput('occurredAt', 'close-at-' + familyId);
  // "Another reason" must say which (closure-needs-reason).
  reason.addEventListener('change', () => { detail.required = reason.value === 'other'; });
  const f = oneEventForm('Close episode ' + episode.episodeId + ' of family ' + familyId, 'Close the episode',
    field('Reason', reason), field('Detail', detail, '(needed for another reason; otherwise optional)'),
    field('Decided at meeting', meeting, '(the TAF meeting that agreed the closure, if one did)'),
    field('When it was closed', at, '(your local time)'));
  f.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const data = { episodeId: episode.episodeId, reason: reason.value };
    if (detail.value.trim()) data.detail = detail.value.trim();
    if (meeting.value) data.meetingId = meeting.value;
    appendOne(familyId, 'episodeClosed', data, f.status, f.submit,
      (answer) => reload(notice('ok', 'Episode ' + episode.episodeId + ' closed: ' + CLOSURE_WORDS[reason.value] + ' (entry ' + answer.events[0].seq + ').')),
      new Date(at.value));
  });
  return h('details', {}, h('summary', {}, 'Close episode ' + episode.episodeId), f.form);
}

// An action of the plan marked done or dropped (actionPlanUpdated with that action only).
function actionForm(familyId, episodeId, action, reload) {
  const state = h('select', { name: 'status', id: 'action-' + familyId + '-' + action.actionId },
    h('option', { value: 'done' }, 'done'), h('option', { value: 'dropped' }, 'dropped'));
  const f = oneEventForm('Update action ' + action.actionId + ' (due ' + action.dueOn + ')', 'Record', field('Mark as', state));
  f.form.className = 'inline';
  f.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const updated = { actionId: action.actionId, description: action.description, owner: action.owner, dueOn: action.dueOn, status: state.value };
    appendOne(familyId, 'actionPlanUpdated', { episodeId, meetingId: action.meetingId || '', actions: [updated] }, f.status, f.submit,
      (answer) => reload(notice('ok', 'Action "' + action.description + '" marked ' + state.value + ' (entry ' + answer.events[0].seq + ').')));
  });
  return f.form;
}

// A period's first and last day as the inputs take them: by default the three months to `on`.
function periodInputs(prefix, on, from = '', to = '') {
  const start = new Date(on + 'T12:00:00Z');
  start.setUTCMonth(start.getUTCMonth() - 3);
  return [h('input', { type: 'date', id: prefix + '-from', name: 'from', required: true, value: from || start.toISOString().slice(0, 10) }),
    h('input', { type: 'date', id: prefix + '-to', name: 'to', required: true, value: to || on })];
}

// Compliance over a chosen period (GET /v1/reports/timescales?from&to): each timescale's
// intervals due in it, how many were met on time, late, breached; for the roles that may see
// family ids, every late or breached interval with its family.
function complianceSection(on) {
  const [from, to] = periodInputs('period', on);
  const out = h('div', { 'aria-live': 'polite', id: 'compliance' });
  async function load() {
    out.replaceChildren(notice('', 'Reading…'));
    try {
      const r = await api('/v1/reports/timescales?from=' + from.value + '&to=' + to.value);
      const p = r.period;
      const ids = Object.keys(p.timescales);
      const rate = (c) => {
        const judged = (c.met || 0) + (c.metLate || 0) + (c.breached || 0);
        return judged ? Math.round(100 * (c.met || 0) / judged) + '%' : '–';
      };
      const rows = ids.map((id) => {
        const c = p.timescales[id];
        return [TIMESCALE_WORDS[id] || id, String(c.due || 0), String(c.met || 0), String(c.metLate || 0),
          c.breached ? h('strong', {}, String(c.breached)) : '0', String((c.onTrack || 0) + (c.dueSoon || 0)), String(c.stopped || 0), rate(c)];
      });
      const misses = ids.flatMap((id) => (p.timescales[id].items || []).filter((i) => i.state === 'breached' || i.state === 'metLate')
        .map((i) => Object.assign({ id }, i))).sort((a, b) => (a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : 0));
      const listed = ids.some((id) => Array.isArray(p.timescales[id].items));
      out.replaceChildren(
        h('p', { class: 'sub' }, 'Intervals due from ' + p.from + ' to ' + p.to + ', judged as on ' + p.on + '. On time: met by the due day, of those met or breached.'),
        table(['Timescale', 'Due in the period', 'Met on time', 'Met late', 'Breached', 'Still running', 'Stopped', 'On time'], rows),
        !listed ? h('p', {}, 'The list of late and breached intervals names families: your role sees the counts only.')
          : misses.length ? table(['Family', 'Episode', 'Timescale', 'Meeting', 'Due', 'Met', 'State', 'Days late'], misses.map((i) => [
            h('a', { href: '#/family/' + encodeURIComponent(i.familyId) }, i.familyId), i.episodeId, TIMESCALE_WORDS[i.id] || i.id,
            i.meetingId || '', i.dueOn || '', i.metOn || '', STATE_WORDS[i.state] || i.state, String(i.daysLate)]))
            : h('p', {}, 'No interval due in the period was late or breached.'));
    } catch (err) {
      out.replaceChildren(notice('error', explain(err)));
    }
  }
  const form = h('form', { class: 'inline', 'aria-label': 'Compliance period', onsubmit: (ev) => { ev.preventDefault(); load(); } },
    field('From', from), field('To', to), h('div', {}, h('button', { type: 'submit' }, 'Show the period')));
  load();
  return h('section', { 'aria-labelledby': 'compliance-heading' }, h('h2', { id: 'compliance-heading' }, 'Compliance over a period'), form, out);
}

// The family's compliance history: every late or breached interval of its episodes (the step-up
// pack's), those due in the chosen period, filtered here (no read again).
function familyCompliance(pack) {
  const misses = pack.timescaleMisses || [];
  const [from, to] = periodInputs('history', pack.on, misses.length ? misses.map((m) => m.dueOn).sort()[0] : '', pack.on);
  const out = h('div', { 'aria-live': 'polite', id: 'family-compliance' });
  const draw = () => {
    const shown = misses.filter((m) => m.dueOn >= from.value && m.dueOn <= to.value);
    out.replaceChildren(shown.length
      ? table(['Timescale', 'Episode', 'Meeting', 'Started', 'Due', 'Met', 'State', 'Days late'], shown.map((m) => [
        TIMESCALE_WORDS[m.id] || m.id, m.episodeId, m.meetingId || '', m.startedOn || '', m.dueOn || '', m.metOn || 'not met',
        m.state === 'breached' ? h('strong', {}, STATE_WORDS[m.state]) : STATE_WORDS[m.state] || m.state, String(m.daysLate)]))
      : h('p', {}, 'No interval due from ' + from.value + ' to ' + to.value + ' was late or breached.'));
  };
  const form = h('form', { class: 'inline', 'aria-label': 'Compliance history period', onsubmit: (ev) => { ev.preventDefault(); draw(); } },
    field('From', from), field('To', to), h('div', {}, h('button', { type: 'submit' }, 'Show')));
  draw();
  return h('section', { 'aria-labelledby': 'history-heading' }, h('h2', { id: 'history-heading' }, 'Compliance history'),
    h('p', { class: 'sub' }, 'Every timescale of the family\'s episodes that was met late or breached, by the day it was due.'), form, out);
}

async function dashboardView() {
  const g = ++generation;
  let counts;
  try {
    counts = await api('/v1/reports/timescales');
  } catch (err) {
    show(g, 'Timescales dashboard', notice('error', explain(err)));
    return;
  }
  const content = [h('p', { class: 'sub' }, 'As on ' + counts.on + ' · ' + counts.families + ' families · ' +
    counts.episodes.open + ' open episodes, ' + counts.episodes.closed + ' closed')];
  const ids = Object.keys(counts.timescales);
  content.push(h('h2', {}, 'Episodes by timescale state'));
  content.push(h('ul', { class: 'legend', 'aria-hidden': 'true' }, STATES.map((s) =>
    h('li', {}, h('span', { class: 'swatch seg ' + s }), STATE_WORDS[s]))));
  content.push(h('div', { class: 'chart', role: 'img', 'aria-label': 'Bar chart of the table below' }, ids.map((id) => {
    const c = counts.timescales[id];
    const total = STATES.reduce((n, s) => n + (c[s] || 0), 0) || 1;
    return h('div', { class: 'bar-row' }, h('span', {}, TIMESCALE_WORDS[id] || id),
      h('div', { class: 'bar' }, STATES.filter((s) => c[s]).map((s) =>
        h('span', { class: 'seg ' + s, title: STATE_WORDS[s] + ': ' + c[s], 'data-width': (100 * c[s] / total).toFixed(2) }, String(c[s])))));
  })));
  content.push(table(['Timescale'].concat(STATES.map((s) => STATE_WORDS[s])),
    ids.map((id) => [TIMESCALE_WORDS[id] || id].concat(STATES.map((s) => {
      const n = counts.timescales[id][s] || 0;
      return s === 'breached' && n ? h('strong', {}, String(n)) : String(n);
    })))));
  content.push(h('h2', {}, 'Breaches'));
  try {
    const overdue = await api('/v1/reports/overdue');
    content.push((overdue.overdue || []).length
      ? table(['Family', 'Episode', 'Keyworker', 'Timescale', 'Meeting', 'Was due by', 'Days overdue'],
        overdue.overdue.map((o) => [h('a', { href: '#/family/' + encodeURIComponent(o.familyId) }, o.familyId), o.episodeId,
          o.keyworkerId, TIMESCALE_WORDS[o.timescale] || o.timescale, o.meetingId || '', o.limitOn, String(o.daysOverdue)]))
      : h('p', {}, 'No breaches.'));
  } catch (err) {
    content.push(h('p', {}, err.code === 'permissionDenied'
      ? 'The list of breaches names families: your role sees the counts only.' : explain(err)));
  }
  content.push(complianceSection(counts.on));
  show(g, 'Timescales dashboard', ...content);
  // Widths set through the CSSOM: the page's policy allows no inline style attributes.
  for (const seg of main().querySelectorAll('.seg[data-width]')) seg.style.width = seg.dataset.width + '%';
}

// ------------------------------------------------------------------ helpdesk

function helpdeskView() {
  const g = ++generation;
  const id = h('input', { id: 'hd-family', required: true, autocomplete: 'off' });
  const out = h('div', { 'aria-live': 'polite' });
  show(g, 'Open episode check',
    h('p', {}, 'Whether a family already has an open Families First episode, and if so its keyworker\'s contact. Nothing else of the record is shown.'),
    h('form', {
      class: 'inline', onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          const a = await api('/v1/helpdesk/open-episode?familyId=' + encodeURIComponent(id.value.trim()));
          const k = a.keyworker || {};
          out.replaceChildren(a.open
            ? notice('warn', 'Open episode ' + (a.episodeId || '') + '. Keyworker: ' + [k.name || k.id, k.agency, k.email].filter(Boolean).join(', '))
            : notice('ok', 'No open episode.'));
        } catch (err) {
          out.replaceChildren(notice('error', explain(err)));
        }
      },
    }, field('Family id', id), h('div', {}, h('button', { type: 'submit' }, 'Check'))),
    out);
}

// ------------------------------------------------------------------ audit

// SHA-256 (FIPS 180-4) of a Uint8Array, in plain JavaScript: the check must not depend on
// the page being a secure context (crypto.subtle is only there over HTTPS or localhost).
function sha256(bytes) {
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
  const H = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const length = bytes.length;
  const padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
  padded.set(bytes);
  padded[length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(length / 0x20000000));
  view.setUint32(padded.length - 4, (length << 3) >>> 0);
  const W = new Uint32Array(64);
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) W[i] = view.getUint32(off + 4 * i);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(W[i - 15], 7) ^ rotr(W[i - 15], 18) ^ (W[i - 15] >>> 3);
      const s1 = rotr(W[i - 2], 17) ^ rotr(W[i - 2], 19) ^ (W[i - 2] >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = H;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + W[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += hh;
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  H.forEach((v, i) => ov.setUint32(4 * i, v));
  return out;
}

const fromHex = (hex) => new Uint8Array((hex.match(/../g) || []).map((b) => parseInt(b, 16)));
const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const fromBase64 = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};
const nodeHash = (l, r) => sha256(concat(new Uint8Array([1]), l, r));

// RFC 9162 section 2.1.3.2: the root an inclusion proof gives, or null when it is malformed.
function rootFromInclusion(leafIndex, size, leafHash, proof) {
  if (leafIndex >= size) return null;
  let fn = leafIndex;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

// RFC 9162 section 2.1.4.2: the two roots a consistency proof from `first` to `second` gives
// (the first tree's, then the second's), or null when it is malformed.
function rootsFromConsistency(first, second, firstRoot, proof) {
  if (first === second) return proof.length === 0 ? [firstRoot, firstRoot] : null;
  if (first < 1 || first > second || proof.length === 0) return null;
  const path = (first & (first - 1)) === 0 ? [firstRoot].concat(proof) : proof.slice();
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? [fr, sr] : null;
}

// A C2SP signed note: its text (the body, ending in a newline), a blank line, then one line
// per signature, "— <key name> <base64 of the key hash (4 bytes) and the signature>".
function parseNote(text) {
  const t = text.replace(/\r\n/g, '\n').replace(/\n*$/, '\n');
  const split = t.lastIndexOf('\n\n');
  if (split < 0) throw new Error('it is not a signed note: no blank line before the signatures');
  const body = t.slice(0, split + 1);
  const signatures = t.slice(split + 2).split('\n').filter(Boolean).map((line) => {
    const m = line.match(/^\u2014 (\S+) ([A-Za-z0-9+/]+=*)$/);
    if (!m) throw new Error('this signature line is malformed: ' + line);
    const bytes = fromBase64(m[2]);
    if (bytes.length < 5) throw new Error('a signature of ' + m[1] + ' is too short');
    return { name: m[1], keyHash: toHex(bytes.slice(0, 4)), signature: bytes.slice(4) };
  });
  const lines = body.split('\n');
  if (lines.length < 4 || !/^\d+$/.test(lines[1]) || !/^[A-Za-z0-9+/]{43}=$/.test(lines[2])) {
    throw new Error('its text is not a checkpoint (origin, size, root hash)');
  }
  return { body, origin: lines[0], size: Number(lines[1]), root: fromBase64(lines[2]), signatures };
}

// A signed-note verifier key: "<name>+<key hash, 8 hex>+<base64 of 0x01 and the Ed25519 key>".
function parseVerifierKey(text) {
  const m = text.trim().match(/^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/);
  if (!m) throw new Error('a verifier key reads name+hash+key (caseledger key public prints it)');
  const key = fromBase64(m[3]);
  if (key.length !== 33 || key[0] !== 1) throw new Error('the verifier key is not an Ed25519 key (type 0x01, 32 bytes)');
  // The key hash is the first 4 bytes of SHA-256(name, a newline, the type and the key).
  const hash = toHex(sha256(concat(new TextEncoder().encode(m[1] + '\n'), key)).slice(0, 4));
  if (hash !== m[2]) throw new Error('the verifier key\'s hash does not match its key: it was altered or mistyped');
  return { name: m[1], hash, publicKey: key.slice(1) };
}

// Checks the note's signature by that key with the browser's Ed25519 (WebCrypto): null when it
// holds, else why not.
async function signatureFault(note, verifier) {
  if (!window.isSecureContext || !crypto.subtle) {
    return 'this browser checks Ed25519 signatures only on pages served over HTTPS or from this computer: check it with caseledger verify --checkpoint';
  }
  const mine = note.signatures.filter((s) => s.name === verifier.name && s.keyHash === verifier.hash);
  if (mine.length === 0) return 'it carries no signature by the key ' + verifier.name + '+' + verifier.hash;
  let key;
  try {
    key = await crypto.subtle.importKey('raw', verifier.publicKey, { name: 'Ed25519' }, false, ['verify']);
  } catch (e) {
    return 'this browser has no Ed25519 (WebCrypto): check it with caseledger verify --checkpoint';
  }
  for (const s of mine) {
    if (s.signature.length === 64 && await crypto.subtle.verify({ name: 'Ed25519' }, key, s.signature, new TextEncoder().encode(note.body))) return null;
  }
  return 'its signature does not match its text: it was altered, or signed by another key';
}

const VERIFIER_KEY = 'caseledger.verifierKey';
const KEPT_CHECKPOINT = 'caseledger.keptCheckpoint';

async function auditView(params) {
  const g = ++generation;
  let checkpoint;
  try {
    checkpoint = await api('/v1/ledger/checkpoint');
  } catch (err) {
    show(g, 'Audit', notice('error', explain(err)));
    return;
  }
  const lines = checkpoint.split('\n');
  const size = Number(lines[1]);
  const root = toHex(fromBase64(lines[2]));
  const seq = h('input', { type: 'number', id: 'proof-seq', min: 1, max: size, required: true, value: params.get('seq') || '' });
  const proofOut = h('div', { 'aria-live': 'polite', id: 'proof-result' });
  seq.addEventListener('input', () => proofOut.replaceChildren());
  const family = h('input', { id: 'access-family', required: true, autocomplete: 'off', value: params.get('family') || '' });
  const accessOut = h('div', { 'aria-live': 'polite' });
  // The verifier key comes from the auditor (kept apart from this server, which could lie
  // about its own key); a key kept in this browser is offered again.
  const keyInput = h('input', { id: 'verifier-key', name: 'verifierKey', required: true, autocomplete: 'off', spellcheck: 'false', size: 60,
    value: localStorage.getItem(VERIFIER_KEY) || '' });
  const keepKey = h('input', { type: 'checkbox', id: 'keep-key', checked: !!localStorage.getItem(VERIFIER_KEY) });
  const noteInput = h('textarea', { id: 'checkpoint-text', name: 'checkpoint', rows: 6, required: true, spellcheck: 'false', class: 'mono' }, checkpoint);
  const signatureOut = h('div', { 'aria-live': 'polite', id: 'signature-result' });
  const keptInput = h('textarea', { id: 'kept-checkpoint', name: 'kept', rows: 6, required: true, spellcheck: 'false', class: 'mono' },
    localStorage.getItem(KEPT_CHECKPOINT) || '');
  const consistencyOut = h('div', { 'aria-live': 'polite', id: 'consistency-result' });
  keyInput.addEventListener('input', () => { signatureOut.replaceChildren(); consistencyOut.replaceChildren(); });
  noteInput.addEventListener('input', () => signatureOut.replaceChildren());
  keptInput.addEventListener('input', () => consistencyOut.replaceChildren());

  const verifier = () => {
    const v = parseVerifierKey(keyInput.value);
    if (keepKey.checked) localStorage.setItem(VERIFIER_KEY, keyInput.value.trim());
    else localStorage.removeItem(VERIFIER_KEY);
    return v;
  };
  const refuse = (out, input, why) => {
    out.replaceChildren(notice('error', h('strong', {}, 'Not verified: '), why));
    input.setAttribute('aria-invalid', 'true');
    input.addEventListener('input', () => input.removeAttribute('aria-invalid'), { once: true });
    input.focus();
  };

  async function checkSignature() {
    let v, note;
    try { v = verifier(); } catch (e) { return refuse(signatureOut, keyInput, e.message + '.'); }
    try { note = parseNote(noteInput.value); } catch (e) { return refuse(signatureOut, noteInput, e.message + '.'); }
    const fault = await signatureFault(note, v);
    if (fault) return refuse(signatureOut, noteInput, 'the checkpoint: ' + fault + '.');
    signatureOut.replaceChildren(notice('ok', h('strong', {}, 'Verified: '), 'this checkpoint (' + note.origin + ', size ' + note.size + ', root ',
      h('code', { class: 'hash' }, toHex(note.root)), ') is signed by ' + v.name + '+' + v.hash + '. This page checked the Ed25519 signature itself.' +
      (note.signatures.length > 1 ? ' It carries ' + (note.signatures.length - 1) + ' other signature(s), not checked here.' : '')));
  }

  // The log now against a checkpoint the auditor kept: both signed by the key, and the
  // ledger's consistency proof leads from the kept root to the current one.
  async function checkConsistency() {
    let v, kept, now;
    try { v = verifier(); } catch (e) { return refuse(consistencyOut, keyInput, e.message + '.'); }
    try { kept = parseNote(keptInput.value); } catch (e) { return refuse(consistencyOut, keptInput, 'the kept checkpoint: ' + e.message + '.'); }
    consistencyOut.replaceChildren(notice('', 'Checking…'));
    try {
      now = parseNote(checkpoint);
      const keptFault = await signatureFault(kept, v);
      if (keptFault) return refuse(consistencyOut, keptInput, 'the kept checkpoint: ' + keptFault + '.');
      const nowFault = await signatureFault(now, v);
      if (nowFault) return refuse(consistencyOut, keyInput, 'the current checkpoint: ' + nowFault + '.');
      if (kept.origin !== now.origin) return refuse(consistencyOut, keptInput, 'the kept checkpoint is of another log (' + kept.origin + ').');
      if (kept.size > now.size) return refuse(consistencyOut, keptInput, 'the kept checkpoint is of a larger log (' + kept.size + ') than the current one (' + now.size + '): the log was cut back.');
      const proof = kept.size === now.size ? { hashes: [] }
        : await api('/v1/ledger/proofs/consistency?from=' + kept.size + '&to=' + now.size);
      const roots = kept.size === 0 ? null : rootsFromConsistency(kept.size, now.size, kept.root, proof.hashes.map(fromHex));
      const facts = h('dl', { class: 'facts' },
        h('dt', {}, 'Kept'), h('dd', {}, 'size ' + kept.size + ', root ', h('code', { class: 'hash' }, toHex(kept.root))),
        h('dt', {}, 'Now'), h('dd', {}, 'size ' + now.size + ', root ', h('code', { class: 'hash' }, toHex(now.root))),
        h('dt', {}, 'Proof'), h('dd', {}, proof.hashes.length + ' hashes'));
      if (!roots || toHex(roots[0]) !== toHex(kept.root) || toHex(roots[1]) !== toHex(now.root)) {
        return refuse(consistencyOut, keptInput, [kept.size === now.size ? 'the two checkpoints are of the same size with different roots: the log was rewritten.'
          : 'the consistency proof does not lead from the kept root to the current one: the log was not only appended to.', facts]);
      }
      consistencyOut.replaceChildren(notice('ok', h('strong', {}, 'Verified: '), 'both checkpoints are signed by ' + v.name + '+' + v.hash +
        ', and the log of size ' + now.size + ' holds the ' + kept.size + ' entries of the kept one unchanged: it was only appended to since.', facts));
    } catch (err) {
      refuse(consistencyOut, keptInput, err instanceof ApiError ? explain(err) : err.message);
    }
  }

  async function checkProof() {
    proofOut.replaceChildren(notice('', 'Checking…'));
    const n = Number(seq.value);
    try {
      const feed = await api('/v1/events?after=' + (n - 1) + '&limit=1&raw=true');
      const event = (feed.events || [])[0];
      if (!event || event.seq !== n) throw new Error('event ' + n + ' is not in the log');
      const leaf = sha256(concat(new Uint8Array([0]), fromBase64(event.raw)));
      const proof = await api('/v1/ledger/proofs/inclusion?seq=' + n + '&size=' + size);
      // The proof must be for this event's place (leaf n-1) in the tree the checkpoint signs.
      const placed = proof.leafIndex === n - 1 && proof.size === size;
      const computed = placed ? rootFromInclusion(proof.leafIndex, proof.size, leaf, proof.hashes.map(fromHex)) : null;
      const leafOk = toHex(leaf) === event.leafHash;
      const rootOk = computed !== null && toHex(computed) === root;
      const facts = h('dl', { class: 'facts' },
        h('dt', {}, 'Event'), h('dd', {}, n + ': ' + event.type + ' on ' + event.stream + ', recorded ' + when(event.recordedAt)),
        h('dt', {}, 'Leaf hash (computed here)'), h('dd', {}, h('code', { class: 'hash' }, toHex(leaf))),
        h('dt', {}, 'Proof'), h('dd', {}, proof.hashes.length + ' hashes, for the log of size ' + proof.size),
        h('dt', {}, 'Root (computed here)'), h('dd', {}, h('code', { class: 'hash' }, computed ? toHex(computed) : 'none')),
        h('dt', {}, 'Root (signed checkpoint)'), h('dd', {}, h('code', { class: 'hash' }, root)));
      proofOut.replaceChildren(leafOk && rootOk
        ? notice('ok', h('strong', {}, 'Verified: '), 'event ' + n + ' is in the log of size ' + size +
          ' whose root the checkpoint above gives, exactly as stored. This page hashed the stored bytes and the proof ' +
          'itself; check the checkpoint\'s signature above with the verifier key.', facts)
        : notice('error', h('strong', {}, 'Not verified: '), !leafOk ? 'the stored bytes do not hash to the event\'s leaf hash.'
          : !placed ? 'the proof is not for this event\'s place in the checkpoint\'s tree.' : 'the proof does not lead to the checkpoint\'s root.', facts));
    } catch (err) {
      proofOut.replaceChildren(notice('error', 'Not verified: ' + (err instanceof ApiError ? explain(err) : err.message)));
    }
  }

  async function listAccess() {
    try {
      const reads = [];
      let after = 0;
      for (;;) {  // every page of the access log, oldest first
        const a = await api('/v1/audit/access?familyId=' + encodeURIComponent(family.value.trim()) + '&after=' + after + '&limit=1000');
        reads.push(...(a.accesses || []));
        if (!a.next) break;
        after = a.next;
      }
      accessOut.replaceChildren(reads.length
        ? table(['Entry', 'When', 'Who', 'Role', 'What', 'Why'], reads.map((r) => [String(r.seq), when(r.recordedAt), r.actor.id,
          ROLE_WORDS[r.actor.role] || r.actor.role, r.view, r.purpose || '']))
        : h('p', {}, 'No reads of family ' + family.value.trim() + ' are recorded.'));
    } catch (err) {
      accessOut.replaceChildren(notice('error', explain(err)));
    }
  }

  const keepButton = h('button', { type: 'button', class: 'secondary', onclick: () => {
    localStorage.setItem(KEPT_CHECKPOINT, checkpoint);
    keepButton.replaceWith(h('span', { role: 'status' }, 'Kept in this browser: it is offered below next time. Keep a copy elsewhere too.'));
  } }, 'Keep this checkpoint in this browser');
  show(g, 'Audit',
    h('h2', {}, 'The current signed checkpoint'),
    h('p', {}, 'The log\'s size and root, signed by the ledger\'s key. Keep a copy: a later checkpoint must be consistent with it.'),
    h('pre', { class: 'checkpoint', id: 'checkpoint' }, checkpoint),
    h('div', { class: 'actions' }, keepButton),
    h('h2', {}, 'Check a checkpoint\'s signature'),
    h('p', {}, 'The verifier key is the ledger\'s public key, as caseledger key public prints it; take it from where it was published, not from this server. ' +
      'This page checks the Ed25519 signature itself.'),
    h('form', { class: 'stack', id: 'signature-form', onsubmit: (ev) => { ev.preventDefault(); checkSignature(); } },
      field('Verifier key', keyInput, '(name+hash+key)'),
      h('div', { class: 'check' }, keepKey, h('label', { for: 'keep-key' }, 'Keep the key in this browser')),
      field('Checkpoint', noteInput, '(the current one, or one you kept)'),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Check the signature'))),
    signatureOut,
    h('h2', {}, 'Check the log against a checkpoint you kept'),
    h('p', {}, 'The page checks both checkpoints\' signatures with the key above, asks the ledger for a consistency proof from the kept size to the current one, ' +
      'and computes both roots from it: the log passes only if it was appended to and nothing in it changed.'),
    h('form', { class: 'stack', id: 'consistency-form', onsubmit: (ev) => { ev.preventDefault(); checkConsistency(); } },
      field('Checkpoint you kept', keptInput),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Check consistency'))),
    consistencyOut,
    h('h2', {}, 'Check that an event is in the log'),
    h('form', { class: 'inline', onsubmit: (ev) => { ev.preventDefault(); checkProof(); } },
      field('Event number (seq)', seq, '(1 to ' + size + ')'), h('div', {}, h('button', { type: 'submit' }, 'Check the proof'))),
    proofOut,
    h('h2', {}, 'Who read a family\'s record'),
    h('form', { class: 'inline', onsubmit: (ev) => { ev.preventDefault(); listAccess(); } },
      field('Family id', family), h('div', {}, h('button', { type: 'submit' }, 'Show the access log'))),
    accessOut);
  if (params.get('family')) listAccess();
  // Linked from a chronology entry: its proof, checked at once.
  if (params.get('seq')) checkProof();
}

// ------------------------------------------------------------------ routing

async function render() {
  const [path, query] = (location.hash.slice(1) || '/').split('?');
  const params = new URLSearchParams(query || '');
  if (!session.token && path !== '/signin') {
    location.hash = '#/signin';
    return;
  }
  if (session.token && !session.who) {
    try {
      session.who = await api('/v1/session');
      markPages();
    } catch (err) {
      return;  // signOut has run on a 401
    }
  }
  renderChrome();
  let parts;
  try {
    parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch (e) {
    parts = [];
  }
  if (parts[0] === 'family' && !/^[A-Za-z0-9_-]{1,64}$/.test(parts[1] || '')) parts = [];
  if (parts[0] === 'signin') return signInView();
  if (parts[0] === 'family' && parts[1] && needsReason(parts[1])) return purposeView(parts[1], render);
  if (parts[0] === 'family' && parts[1] && parts[2] === 'chronology') return chronologyView(parts[1], params);
  if (parts[0] === 'family' && parts[1] && parts[2] === 'correct' && is(...NOTE_WRITERS)) return correctionView(parts[1], params);
  if (parts[0] === 'family' && parts[1]) return familyView(parts[1]);
  if (parts[0] === 'queue' || parts[0] === 'inbox') return queueView(params);
  if (parts[0] === 'dashboard') return dashboardView();
  if (parts[0] === 'audit') return auditView(params);
  if (parts[0] === 'helpdesk') return helpdeskView();
  if (is(...READERS)) return findView(parts[0] === 'find' ? params : new URLSearchParams());
  location.hash = home();
}

window.addEventListener('hashchange', render);
// The skip link moves the focus; it must not change the hash (the page's route).
document.querySelector('.skip').addEventListener('click', (ev) => {
  ev.preventDefault();
  main().focus();
});
render();
