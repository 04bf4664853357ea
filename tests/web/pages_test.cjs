// The web pages in a real browser: Debian's Chromium, headless, driven by playwright-core,
// against a real `caseledger serve --demo`. Signs in as every role and checks what each is
// shown; a triage manager lands on the triage queue (F2's police concern first), gives a
// direction and steps F2 up from it, sees both in F2's chronology, reads family F1, filters
// and prints its chronology, downloads the CSV, reads the dashboard; the keyworker adds a case note and sees it in the
// chronology, sees a rule refusal with the input kept, records a TAF meeting with its
// action plan, clears a share breach from the decision panel (a refusal first, with the focus
// on the field at fault), marks an action done, corrects a case note from the chronology and
// closes the episode; the auditor follows an entry's link to its proof, checks the
// checkpoint's signature in the page (refused with one byte changed in its size, root or
// origin, or with a mistyped key), checks the log against a checkpoint kept before the day's
// work (and refuses a kept checkpoint, validly signed, of another history), checks an
// inclusion proof (hashed in the page) and reads the access log. Pages are also checked at 800 px wide and for labelled controls. Screenshots
// of each page go to BUILD/web-screenshots.
//
//   node tests/web/pages_test.cjs CASELEDGER_BINARY SOURCE_DIR BUILD_DIR
'use strict';

const { spawn, spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { freePort, stopServer } = require('./lib.cjs');

const [bin, top, build] = process.argv.slice(2).map((p) => path.resolve(p));
if (!bin || !top || !build) {
  console.error('usage: pages_test.cjs CASELEDGER_BINARY SOURCE_DIR BUILD_DIR');
  process.exit(2);
}
const driver = path.join(build, 'web', 'node_modules', 'playwright-core');
const axePath = path.join(build, 'web', 'node_modules', 'axe-core', 'axe.min.js');
if (!fs.existsSync(driver) || !fs.existsSync(axePath) || !fs.existsSync('/usr/bin/chromium')) {
  console.error('FAIL the browser tests need Chromium, playwright-core and axe-core: run tools/test, which installs them');
  process.exit(1);
}
const axeSource = fs.readFileSync(axePath, 'utf8');
const { chromium } = require(driver);
const shots = path.join(build, 'web-screenshots');
fs.mkdirSync(shots, { recursive: true });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'caseledger-web-'));

let step = '';
// The protective marking the server is given (serve --marking): every printed page carries it.
const MARKING = 'OFFICIAL-SENSITIVE PERSONAL';
function check(ok, what) {
  if (!ok) throw new Error(step + ': ' + what);
}


async function startServer() {
  const port = await freePort();
  const log = fs.openSync(path.join(work, 'server.log'), 'w');
  const server = spawn(bin, ['--data', path.join(work, 'data'), 'serve', '--demo', '--listen', '127.0.0.1:' + port, '--marking', MARKING,
    '--purpose-required', 'auditor'],
    { stdio: ['ignore', log, log] });
  const tokensFile = path.join(work, 'data', 'demo-tokens.env');
  for (let i = 0; i < 600; i++) {
    if (fs.existsSync(tokensFile)) {
      try {
        const res = await fetch('http://127.0.0.1:' + port + '/healthz');
        if (res.ok) break;
      } catch (e) { /* not listening yet */ }
    }
    if (server.exitCode !== null) throw new Error('the server stopped: ' + fs.readFileSync(path.join(work, 'server.log'), 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!fs.existsSync(tokensFile)) throw new Error('the demo server did not start: ' + fs.readFileSync(path.join(work, 'server.log'), 'utf8'));
  const tokens = {};
  for (const line of fs.readFileSync(tokensFile, 'utf8').split('\n')) {
    const m = line.match(/^export CASELEDGER_([A-Z_]+)_TOKEN=(\S+)$/);
    if (m) tokens[m[1].toLowerCase().replace('_', '-')] = m[2];
  }
  return { server, url: 'http://127.0.0.1:' + port, tokens };
}

async function main() {
  const { server, url, tokens } = await startServer();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const errors = [];
  try {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 }, acceptDownloads: true, timezoneId: 'Europe/London', locale: 'en-GB',
    });
    const page = await context.newPage();
    // Nothing is fetched from anywhere but this server (and the page's own blob: downloads).
    const foreign = [];
    page.on('request', (r) => { if (!r.url().startsWith(url) && !r.url().startsWith('blob:')) foreign.push(r.url()); });
    // Runs `action`, then waits until the page shows the view it leads to (each view marks
    // <main data-view>), so that no check reads the page before.
    async function next(action) {
      const before = await page.getAttribute('main', 'data-view');
      await action();
      await page.waitForFunction((b) => document.querySelector('main').dataset.view !== b, before);
    }
    page.on('pageerror', (e) => errors.push(e.message));
    // A refused request (401, 403, 404) is logged by the browser; that is the API answering.
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
    });
    const axeScans = [];
    const shot = (name) => page.screenshot({ path: path.join(shots, name + '.png'), fullPage: true });

    async function signIn(role) {
      await page.goto(url + '/#/signin');
      await page.getByLabel('Access token').fill(tokens[role]);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Signed in as').waitFor();
    }
    async function signOut() {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    }
    // The menu's links, the queue's count left out (it changes as the tests record).
    const navLinks = async () => (await page.locator('#nav a').allTextContents()).map((t) => t.replace(/ \(\d+ awaiting\)$/, '')).sort();
    // Every form control has a label, and nothing needs a horizontal scroll of the page.
    async function accessible(what) {
      const unlabelled = await page.evaluate(() => Array.from(document.querySelectorAll('input, select, textarea'))
        .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label')).map((el) => el.outerHTML));
      check(unlabelled.length === 0, what + ': controls without a label: ' + unlabelled.join(' '));
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      check(overflow <= 0, what + ': the page scrolls sideways by ' + overflow + ' px');
      // On a phone a table is cards: nothing in it scrolls sideways either.
      if (page.viewportSize().width <= 600) {
        const wide = await page.locator('.scroll').evaluateAll((els) => els.filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.scrollWidth));
        check(wide.length === 0, what + ': a table scrolls sideways (' + wide.join(', ') + ' px wide)');
      }
      const text = await page.textContent('main');
      check(!text.includes('[object ') && !/undefined|\bnull\b/.test(text), what + ': a value shown as code: ' + text.slice(0, 400));
      await axe(what);
    }
    // axe-core's WCAG 2 A and AA rules (and its best practices) over the whole page: no serious
    // or critical violation. Loaded through the driver, as the page's policy allows no script
    // but its own.
    async function axe(what) {
      if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
      const found = await page.evaluate(async () => {
        const result = await window.axe.run(document, { resultTypes: ['violations'] });
        return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => v.id + ' (' + v.impact + ', ' + v.help + ') at ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', '));
      });
      check(found.length === 0, what + ': axe-core finds ' + found.join(' | '));
      axeScans.push(what);
    }

    // A checkpoint an auditor keeps before the day's work: the log must only grow from it.
    const keptCheckpoint = await (await fetch(url + '/v1/ledger/checkpoint', { headers: { Authorization: 'Bearer ' + tokens.auditor } })).text();

    // ------------------------------------------------------------ sign in, every role
    step = 'sign in';
    await page.goto(url + '/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await axe('sign in');
    // The scan can fail: an unlabelled field planted in the page is found.
    await page.evaluate(() => document.querySelector('main').append(Object.assign(document.createElement('input'), { id: 'axe-bait' })));
    const bait = await axe('bait').then(() => '', (e) => e.message);
    check(bait.includes('label (critical'), 'axe-core does not find a planted fault: ' + bait);
    await page.evaluate(() => document.getElementById('axe-bait').remove());
    await shot('signin');
    await page.getByLabel('Access token').fill('cl_not_a_token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.notice.error').waitFor();
    check(await page.locator('#nav a').count() === 0, 'a bad token signed in');
    const expected = {
      practitioner: ['Find a family', 'Timescales dashboard'],
      helpdesk: ['Open episode check', 'Timescales dashboard'],
      'triage-manager': ['Find a family', 'Timescales dashboard', 'Triage queue'],
      coordinator: ['Find a family', 'Timescales dashboard', 'Triage queue'],
      auditor: ['Audit', 'Find a family', 'Timescales dashboard', 'Triage queue'],
      dashboard: ['Timescales dashboard'],
      admin: ['Timescales dashboard'],
    };
    for (const [role, links] of Object.entries(expected)) {
      step = 'sign in as ' + role;
      await signIn(role);
      check(JSON.stringify(await navLinks()) === JSON.stringify(links), 'menu ' + JSON.stringify(await navLinks()));
      check(await page.evaluate(() => sessionStorage.length === 1 && localStorage.length === 0), 'the token is not kept in the session only');
      await shot('home-' + role);
      await axe('home of ' + role);
      if (role === 'helpdesk') {
        await page.goto(url + '/#/helpdesk');
        await page.locator('main form').waitFor();
        await accessible('open episode check');
      }
      if (role === 'dashboard' || role === 'helpdesk' || role === 'admin') {
        // The API decides: a role that may not read records is refused, in plain words.
        await page.goto(url + '/#/family/F1');
        await page.locator('.notice.error').waitFor();
        check((await page.locator('.notice.error').textContent()).includes('Not allowed'), 'no refusal for ' + role);
        check(!(await page.content()).includes('Alex Example'), role + ' was shown a name');
      }
      await signOut();
    }

    // ------------------------------------------------------------ a triage manager reads F1
    step = 'triage manager: family page';
    await signIn('triage-manager');
    await next(() => page.getByRole('link', { name: 'Find a family' }).click());
    // The reads recorded of F1, as the auditor lists them.
    const accessRecords = async () => {
      const res = await fetch(url + '/v1/audit/access?familyId=F1&limit=1000', { headers: { Authorization: 'Bearer ' + tokens.auditor } });
      return (await res.json()).accesses;
    };
    // Found by the start of a member's name, in any case; the search is recorded as one.
    await page.getByLabel('Family id, name or date of birth').fill('x');
    await page.getByRole('button', { name: 'Search' }).click();
    check(await page.getByLabel('Family id, name or date of birth').evaluate((el) => !el.checkValidity()), 'a one-letter search is sent');
    await page.getByLabel('Family id, name or date of birth').fill('alex EXAM');
    await next(() => page.getByRole('button', { name: 'Search' }).click());
    check(/^\d+ famil(y|ies) found for "alex EXAM"/.test(await page.locator('#search-summary').textContent()), 'search: ' + await page.locator('#search-summary').textContent());
    const f1Card = page.locator('ol.results li', { has: page.getByRole('link', { name: 'Family F1' }) });
    check((await f1Card.textContent()).includes('Alex Example (child, born 2015-06-01)'), 'the family found is not shown by its members');
    check((await accessRecords()).some((a) => a.view === 'search' && a.purpose === 'search for "alex EXAM"'), 'the search is not recorded as one');
    await page.getByLabel('Family id, name or date of birth').fill('1/6/2015');
    await next(() => page.getByRole('button', { name: 'Search' }).click());
    check(await page.getByRole('link', { name: 'Family F1' }).count() === 1, 'a date of birth does not find F1');
    await accessible('search');
    await shot('search');
    await page.getByLabel('Family id, name or date of birth').fill('f1');
    await next(() => page.getByRole('button', { name: 'Search' }).click());
    const before = (await accessRecords()).length;
    await page.getByRole('link', { name: 'Family F1' }).click();
    await page.getByRole('heading', { name: 'Family F1' }).waitFor();
    await page.locator('section.panel').waitFor();
    const opened = (await accessRecords()).slice(before);
    check(opened.length === 1 && opened[0].purpose === 'family page', 'opening the family page recorded ' + JSON.stringify(opened));
    check(await page.getByRole('cell', { name: 'Alex Example' }).count() === 1, 'members');
    check(await page.locator('ol.timescales li').count() === 9, 'nine timescales');
    const breached = page.locator('ol.timescales li.breached');
    check(await breached.count() >= 1, 'no breached timescale stands out');
    check((await breached.first().textContent()).includes('Breached'), 'a breach is not said in words');
    check((await page.locator('ol.timescales').textContent()).includes('due 2026-04-13'), 'due dates');
    check(await page.getByRole('cell', { name: 'Weekly attendance check-in' }).count() === 2, 'open actions (in the panel\'s plan and below)');
    check((await page.locator('section.panel').textContent()).includes('2026-04-10 (overdue)'), 'the panel\'s plan does not say the action is overdue');
    // The decision panel first: consent, the assessment, the last meeting, the people by name
    // and agency, the breaches, and the latest significant entries linked into the chronology.
    const panel = page.locator('section.panel');
    check((await page.locator('main h2').first().textContent()) === 'For a decision', 'the decision panel is not first');
    const panelText = await panel.textContent();
    for (const want of ['Concerns awaiting a direction', 'none', 'given', 'finalised', 'M1 (initial)', 'Sam Okafor (school)', 'Priya Shah (health)', 'overdue']) {
      check(panelText.includes(want), 'the decision panel lacks "' + want + '": ' + panelText.slice(0, 600));
    }
    check(await panel.getByRole('cell', { name: 'continue' }).count() >= 1, 'the meetings\' outcomes');
    const entryLink = panel.locator('ul a').first();
    const entryHref = await entryLink.getAttribute('href');
    check(/chronology\?entry=\d+$/.test(entryHref || ''), 'a significant entry is not linked into the chronology: ' + entryHref);
    // The compliance history: every late or breached interval, by the day it was due.
    const history = page.locator('#family-compliance');
    const historyText = await history.textContent();
    check(historyText.includes('Plan shared within 5 working days') && historyText.includes('Breached') && historyText.includes('2026-03-09'),
      'the compliance history lacks M1\'s share breach: ' + historyText.slice(0, 300));
    await page.locator('#history-from').fill('2026-06-01');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    check(!(await history.textContent()).includes('2026-03-09'), 'the period does not filter the history');
    await accessible('family page');
    await shot('family');
    await next(() => entryLink.click());
    const chosen = page.locator('tbody tr.chosen');
    check(await chosen.count() === 1 && (await chosen.getAttribute('id')) === 'entry-' + entryHref.split('=')[1], 'the linked entry is not marked in the chronology: ' + entryHref + ' ' + await chosen.count() + ' ' + (await page.locator('tbody tr').evaluateAll((rs) => rs.map((r) => r.id))).join(','));
    await next(() => page.goto(url + '/#/family/F1'));

    step = 'triage manager: chronology';
    await page.getByRole('link', { name: 'Read the chronology' }).click();
    await page.getByRole('heading', { name: 'Chronology of family F1' }).waitFor();
    const allRows = await page.locator('tbody tr').count();
    check(allRows >= 8, 'chronology rows: ' + allRows);
    check(await page.locator('.mark.significant').count() >= 1, 'significant entries are not marked');
    check((await page.locator('.mark.late').first().textContent()).startsWith('Late: '), 'late entries are not marked');
    await accessible('chronology');
    await shot('chronology');
    await page.getByLabel('Significant only').check();
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('tbody tr').length < n, allRows);
    const significantRows = await page.locator('tbody tr').count();
    check(significantRows === await page.locator('tbody tr.significant').count(), 'a row that is not significant');
    check((await page.textContent('p.sub')).includes('filtered: significant entries only'), 'the filter is not said');
    await page.getByLabel('Significant only').uncheck();
    await page.getByLabel('Category').selectOption('contact');
    await next(() => page.getByRole('button', { name: 'Show' }).click());
    const contactCells = await page.locator('tbody tr td:nth-child(5)').allTextContents();
    check(contactCells.length >= 1 && contactCells.every((c) => c === 'contact'), 'category filter: ' + contactCells.join(','));
    // As of a moment before F1's first event was recorded: nothing yet.
    await page.getByLabel('Category').selectOption('');
    await page.getByLabel('As of').fill('2026-02-02T09:00');
    await next(() => page.getByRole('button', { name: 'Show' }).click());
    check((await page.textContent('main')).includes('no events'), 'as of before the record: ' + (await page.textContent('main')).slice(0, 300));
    await page.getByLabel('As of').fill('2026-02-20T12:00');
    await next(() => page.getByRole('button', { name: 'Show' }).click());
    check((await page.textContent('p.sub')).includes('As the record stood at 20 Feb 2026, 12:00:00'), 'as of: ' + await page.textContent('p.sub'));
    const asOfRows = await page.locator('tbody tr').count();
    check(asOfRows > 0 && asOfRows < allRows, 'as of 20 February: ' + asOfRows + ' of ' + allRows);
    // CSV download and print view of the whole chronology.
    await next(() => page.goto(url + '/#/family/F1/chronology'));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    const csv = fs.readFileSync(await download.path(), 'utf8');
    check(csv.includes('seq,occurredAt,recordedAt') && download.suggestedFilename() === 'chronology-F1.csv', 'CSV download');
    check((await accessRecords()).some((a) => a.purpose === 'chronology downloaded as CSV'), 'the download is not recorded as one');
    // Print: the header says whose record, who printed it and when, and the signed checkpoint
    // it was read at (the browser's print dialog itself is not opened here).
    await page.evaluate(() => { window.print = () => { window.printed = true; }; });
    await page.getByRole('button', { name: 'Print' }).click();
    await page.waitForFunction(() => window.printed === true);
    await page.emulateMedia({ media: 'print' });
    const printed = await page.locator('#print-header').textContent();
    for (const want of [MARKING, 'Chronology of family F1', 'Alex Example, born 2015-06-01', 'Printed by TM1 (triage manager) at',
      'signed checkpoint root', 'up to entry']) {
      check(printed.includes(want), 'the printed header lacks "' + want + '": ' + printed);
    }
    check(await page.locator('#print-header').isVisible(), 'the printed header does not print');
    check((await accessRecords()).some((a) => a.purpose === 'printed chronology'), 'the print is not recorded as one');
    const pageRule = await page.evaluate(() => Array.from(document.styleSheets).flatMap((s) => Array.from(s.cssRules))
      .filter((r) => r instanceof CSSPageRule).map((r) => r.cssText).join(' '));
    check(pageRule.includes('counter(pages)') && pageRule.includes(MARKING), 'no page numbers or the server\'s marking on every page: ' + pageRule);
    check(!(await page.locator('header.top').isVisible()) && !(await page.locator('form').first().isVisible()), 'print view shows the menu or filters');
    check(await page.locator('tbody tr').last().isVisible() && await page.locator('tbody tr').count() === allRows, 'print view lost rows');
    await shot('chronology-print');
    // The record as Chromium prints it (A4), read back with pdftotext: every page marked and
    // numbered, the child, who printed it and when, the entry and signed root it was read at.
    const pdfPath = path.join(shots, 'chronology-print.pdf');
    await page.pdf({ path: pdfPath, format: 'A4' });
    const pdf = spawnSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' });
    check(pdf.status === 0, 'pdftotext: ' + pdf.stderr);
    const pdfPages = pdf.stdout.split('\f').filter((p) => p.trim());
    check(pdfPages.length >= 2, 'the printed chronology has ' + pdfPages.length + ' page(s)');
    pdfPages.forEach((text, i) => {
      check(text.includes(MARKING), 'page ' + (i + 1) + ' of the PDF has no marking');
      check(text.includes('page ' + (i + 1) + ' of ' + pdfPages.length), 'page ' + (i + 1) + ' of the PDF is not numbered "page N of M"');
    });
    const root = (await page.locator('#print-header code.hash').textContent()).trim();
    const upTo = (await page.locator('#print-header').textContent()).match(/up to entry (\d+)/)[1];
    const pdfFlat = pdf.stdout.replace(/\s+/g, ' ');
    for (const want of ['Chronology of family F1: Alex Example, born 2015-06-01', 'Printed by TM1 (triage manager) at', '(London)',
      'up to entry ' + upTo, 'Times in London']) {
      check(pdfFlat.includes(want), 'the PDF lacks "' + want + '"');
    }
    check(pdf.stdout.replace(/\s+/g, '').includes(root), 'the PDF lacks the checkpoint root ' + root);
    check(!/\bnull\b|undefined/.test(pdf.stdout), 'the PDF shows a value as code');
    // Every entry is in it, the first and the last by their numbers.
    const seqs = await page.locator('tbody tr[id^="entry-"]').evaluateAll((rows) => rows.map((r) => r.id.slice(6)));
    check(pdfFlat.includes(' ' + seqs[0] + ' ') && pdfFlat.includes(' ' + seqs[seqs.length - 1] + ' '), 'the PDF lacks entries ' + seqs[0] + ' or ' + seqs[seqs.length - 1]);
    await page.emulateMedia({ media: 'screen' });

    step = 'triage manager: the queue, a direction and a step-up';
    await next(() => page.getByRole('link', { name: /^Triage queue/ }).click());
    await page.getByRole('heading', { name: 'Triage queue', level: 1 }).waitFor();
    // F2: a police domestic-abuse notification awaiting a direction, no consent, no assessment.
    const first = page.locator('ol.queue > li').first();
    check((await first.locator('h2').textContent()) === '1. Family F2', 'the first in the queue: ' + await first.locator('h2').textContent());
    const why = await first.locator('ul.why').textContent();
    check(why.includes('awaiting a direction') && why.includes('consent not yet given') && why.includes('assessment not finalised'), 'why F2 is first: ' + why);
    check((await first.textContent()).includes('Police, domestic abuse notification'), 'the concern in words: ' + await first.textContent());
    const menuCount = Number(((await page.locator('#nav a', { hasText: 'Triage queue' }).textContent()).match(/\((\d+) awaiting\)/) || [])[1]);
    check(menuCount >= 1, 'the menu does not count the concerns awaiting');
    await accessible('queue');
    await shot('queue');
    const f2 = () => page.locator('ol.queue > li', { has: page.getByRole('heading', { name: /Family F2$/ }) });
    await f2().getByText('Give a direction on concern C1').click();
    await f2().locator('form[aria-label^="Direction on concern C1"]').getByLabel('Threshold considered').selectOption('3');
    await f2().getByLabel('Direction and rationale').fill('Below the child-protection threshold: keyworker to visit within 2 working days and seek consent.');
    await next(() => f2().getByRole('button', { name: 'Record the direction' }).click());
    check((await page.locator('.notice.ok').textContent()).includes('Direction on concern C1 of family F2 recorded'), 'no confirmation of the direction');
    check(!(await f2().textContent()).includes('Concern C1'), 'the concern still awaits a direction');
    const afterCount = Number(((await page.locator('#nav a', { hasText: 'Triage queue' }).textContent()).match(/\((\d+) awaiting\)/) || [])[1]);
    check(afterCount === menuCount - 1, 'the menu\'s count: ' + afterCount + ' after ' + menuCount);
    await f2().getByText('Step up episode E1').click();
    await f2().getByLabel('Step up to').selectOption('familySafeguarding');
    await f2().getByLabel('Reason and rationale').fill('Repeated domestic abuse notifications; consent not given: above the threshold for early help.');
    await next(() => f2().getByRole('button', { name: 'Record the step-up' }).click());
    check((await page.locator('.notice.ok').textContent()).includes('stepped up to family safeguarding'), 'no confirmation of the step-up: ' + await page.locator('.notice.ok').textContent());
    check(await f2().getByText('Close stepped-up episode E1').count() === 1, 'the stepped-up episode offers no closure');
    await shot('queue-decided');
    // Both decisions are in the family's chronology, in the triage manager's words.
    await next(() => page.goto(url + '/#/family/F2/chronology'));
    const chronologyText = await page.textContent('main');
    check(chronologyText.includes('keyworker to visit within 2 working days'), 'the direction is not in the chronology');
    check(chronologyText.includes('Threshold considered: Continuum of Need level 3 (intensive support, early help). Below the child-protection'),
      'the threshold the direction considered is not in the chronology');
    check(chronologyText.includes('Threshold considered: Continuum of Need level 4 (specialist'), 'the threshold the step-up considered is not in the chronology');
    check(chronologyText.includes('Repeated domestic abuse notifications'), 'the step-up\'s reason is not in the chronology');
    // Concerns and decisions in one click: the categories the column shows, as the API takes them.
    const offered = await page.locator('#f-category option').allTextContents();
    check(['concerns and decisions', 'registration', 'consent', 'concern', 'triage', 'step up', 'closure', 'contact'].every((c) => offered.includes(c)),
      'the category filter offers: ' + offered.join(', '));
    await next(() => page.getByRole('link', { name: 'Concerns and decisions only' }).click());
    const decided = await page.locator('tbody tr td:nth-child(5)').allTextContents();
    check(decided.includes('concern') && decided.includes('triage') && decided.includes('step up') &&
      decided.every((c) => ['concern', 'triage', 'referral', 'step up', 'closure'].includes(c)), 'concerns and decisions: ' + decided.join(','));
    check((await page.textContent('p.sub')).includes('filtered: category concerns and decisions'), 'the filter is not said');
    await shot('chronology-decisions');
    await page.setViewportSize({ width: 390, height: 844 });
    await next(() => page.goto(url + '/#/queue'));
    await accessible('queue at 390 px');
    await shot('queue-390');
    for (const [hash, name] of [['#/family/F1', 'family'], ['#/family/F1/chronology', 'chronology'], ['#/dashboard', 'dashboard'], ['#/find?q=example', 'search']]) {
      await next(() => page.goto(url + '/' + hash));
      if (name === 'dashboard') await page.getByRole('heading', { name: 'Breaches' }).waitFor();
      await accessible(name + ' at 390 px');
      await shot(name + '-390');
    }
    // A chronology entry at 390 px is a card: its date, who recorded it and what, one under another.
    await next(() => page.goto(url + '/#/family/F1/chronology'));
    const card = page.locator('tbody tr').first();
    const cellBoxes = await card.locator('td').evaluateAll((tds) => tds.filter((td) => td.offsetHeight > 0).map((td) => td.getBoundingClientRect()));
    check(cellBoxes.length >= 4 && cellBoxes.every((b, i) => i === 0 || b.top >= cellBoxes[i - 1].bottom - 1), 'a chronology entry at 390 px is not a card of cells one under another');
    check((await card.locator('td').nth(1).evaluate((td) => getComputedStyle(td, '::before').content)) === '"Happened"', 'a card\'s cell is not named');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('link', { name: 'Timescales dashboard' }).click();
    await page.getByRole('heading', { name: 'Timescales dashboard' }).waitFor();
    await page.getByRole('heading', { name: 'Breaches' }).waitFor();
    check(await page.locator('.chart .bar-row').count() === 9, 'the chart has a bar per timescale');
    const widths = await page.locator('.seg').evaluateAll((segs) => segs.map((s) => s.getBoundingClientRect().width));
    check(widths.length > 0 && widths.every((w) => w > 0), 'chart segments have no width');
    // WCAG's contrast ratio of each segment's colour against the white around it (>= 4.5: the
    // numbers on the segments are white too), and the number is the count.
    const contrasts = await page.locator('.chart .seg').evaluateAll((segs) => segs.map((s) => {
      const [r, g, b] = getComputedStyle(s).backgroundColor.match(/\d+/g).map(Number).map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
      });
      return { ratio: 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05), text: s.textContent, title: s.title };
    }));
    for (const c of contrasts) {
      check(c.ratio >= 4.5, 'a chart segment at ' + c.ratio.toFixed(2) + ':1 against white (' + c.title + ')');
      check(c.title.endsWith(': ' + c.text), 'a segment\'s number is not its count: ' + c.text + ' for ' + c.title);
    }
    check(await page.locator('table').nth(1).locator('tbody tr').count() >= 1, 'no breaches listed');
    // Compliance over a chosen period: each timescale's intervals due in it, and the late and
    // breached ones with their families.
    await page.locator('#period-from').fill('2026-01-01');
    await page.locator('#period-to').fill('2026-12-31');
    await page.getByRole('button', { name: 'Show the period' }).click();
    await page.locator('#compliance').getByText('Intervals due from 2026-01-01 to 2026-12-31').waitFor();
    check(await page.locator('#compliance table').first().locator('tbody tr').count() === 9, 'the period\'s table has a row per timescale');
    check(await page.locator('#compliance table').nth(1).getByRole('link', { name: 'F1' }).count() >= 1, 'F1\'s late or breached intervals are not listed');
    await shot('dashboard');
    await page.setViewportSize({ width: 800, height: 900 });
    for (const [hash, name] of [['#/family/F1', 'family'], ['#/family/F1/chronology', 'chronology'], ['#/dashboard', 'dashboard'], ['#/queue', 'queue']]) {
      await next(() => page.goto(url + '/' + hash));
      await accessible(name + ' at 800 px');
      await shot(name + '-800');
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    step = 'keyboard: the skip link';
    const hashBefore = await page.evaluate(() => location.hash);
    await page.locator('.skip').focus();
    check(await page.locator('.skip').isVisible(), 'the skip link does not show when it has the focus');
    await page.keyboard.press('Enter');
    check(await page.evaluate(() => document.activeElement.id === 'main'), 'the skip link does not move the focus to the content');
    check(await page.evaluate(() => location.hash) === hashBefore, 'the skip link changed the page');
    await signOut();

    // ------------------------------------------------------------ the keyworker writes
    step = 'keyworker: case note';
    await signIn('practitioner');
    await page.goto(url + '/#/family/F1');
    await page.getByRole('heading', { name: 'Add a case note' }).waitFor();
    const noteText = 'Browser test note ' + Date.now() + ': school attendance up to 94%.';
    const note = page.locator('#note-form');
    await note.getByLabel('What happened').fill(noteText);
    await note.getByLabel('Category').selectOption('progress');
    await note.getByRole('button', { name: 'Save the case note' }).click();
    await page.locator('.notice.ok').waitFor();
    check((await page.locator('.notice.ok').textContent()).includes('Case note saved'), 'no confirmation');
    await shot('note-saved');
    await page.getByRole('link', { name: 'See it in the chronology' }).click();
    await page.getByRole('heading', { name: 'Chronology of family F1' }).waitFor();
    check(await page.getByText(noteText).count() === 1, 'the new note is not in the chronology');

    step = 'keyworker: a rule refusal';
    await page.goto(url + '/#/family/F1');
    await page.getByRole('heading', { name: 'Add a case note' }).waitFor();
    const future = new Date(Date.now() + 3 * 24 * 3600 * 1000);
    const pad = (n) => String(n).padStart(2, '0');
    const futureValue = future.getFullYear() + '-' + pad(future.getMonth() + 1) + '-' + pad(future.getDate()) + 'T10:00';
    const refusedText = 'A note dated in the future must be refused.';
    await note.getByLabel('What happened').fill(refusedText);
    await note.getByLabel('When it happened').fill(futureValue);
    await note.getByRole('button', { name: 'Save the case note' }).click();
    await note.locator('.notice.error').waitFor();
    const refusal = await note.locator('.notice.error').textContent();
    check(refusal.includes('Not recorded: the time it happened is later than now') && refusal.includes('no-future-events'), 'refusal: ' + refusal);
    check(await note.getByLabel('What happened').inputValue() === refusedText, 'the input was not kept');
    await shot('note-refused');

    step = 'keyworker: a conflict';
    // Someone else records on F1 behind the form's back: saving is refused, what they
    // recorded is shown, the input stays, and saving again records it after theirs.
    const conflictText = 'Browser test: recorded after a conflict ' + Date.now();
    await note.getByLabel('What happened').fill(conflictText);
    await note.getByLabel('When it happened').fill('2026-11-01T10:00');
    const other = await page.evaluate(async () => {
      const token = sessionStorage.getItem('caseledger.token');
      const res = await fetch('/v1/families/F1/events', {
        method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
        body: JSON.stringify({ expectedVersion: 'any', events: [{ eventId: crypto.randomUUID(), type: 'caseNoteAdded', occurredAt: '2026-11-01T09:00:00Z',
          data: { episodeId: 'E1', noteId: 'N-other-' + Date.now(), category: 'contact', text: 'Recorded by a colleague meanwhile', significant: false } }] }),
      });
      return res.status;
    });
    check(other === 201, 'the other append: ' + other);
    await note.getByRole('button', { name: 'Save the case note' }).click();
    await note.getByText('Recorded since you opened this page').waitFor();
    check((await note.locator('.notice.error').textContent()).includes('someone else recorded'), 'no conflict refusal');
    check((await note.textContent()).includes('Recorded by a colleague meanwhile'), 'the other entry is not shown');
    check(await note.getByLabel('What happened').inputValue() === conflictText, 'the input was not kept after a conflict');
    await shot('note-conflict');
    await note.getByRole('button', { name: 'Save the case note' }).click();
    await page.locator('.notice.ok').waitFor();
    await next(() => page.getByRole('link', { name: 'See it in the chronology' }).click());
    check(await page.getByText(conflictText).count() === 1, 'the note saved after the conflict is not in the chronology once');
    await next(() => page.goto(url + '/#/family/F1'));

    step = 'keyworker: TAF meeting with its action plan';
    const meeting = page.locator('#meeting-form');
    await meeting.getByLabel('Kind').selectOption('review');
    await meeting.getByLabel('Who attended').fill('Jo Example\nSam Okafor');
    await meeting.getByLabel('Next review on').fill('2027-01-15');
    await meeting.getByLabel('Action 1', { exact: true }).fill('Book a school nurse appointment');
    await meeting.getByLabel('Owner of action 1').fill('P1');
    await meeting.getByLabel('Action 1 due on').fill('2026-12-10');
    await meeting.getByRole('button', { name: 'Record the meeting' }).click();
    await page.locator('.notice.ok').waitFor();
    check((await page.locator('.notice.ok').textContent()).includes('recorded with its action plan'), 'no confirmation of the meeting');
    check(await page.getByRole('cell', { name: 'Book a school nurse appointment' }).count() === 2, 'the new action is not listed in the plan and below');
    await shot('meeting-recorded');

    step = 'keyworker: clears a share breach';
    const panelFacts = () => page.locator('section.panel dl.facts').textContent();
    check((await panelFacts()).includes('Plan shared within 5 working days (M1)'), 'M1\'s share breach is not shown: ' + await panelFacts());
    const share = page.locator('form[aria-label="Outcome of meeting M1 shared with the parents"]');
    // Refused first (a time still to come): said in words, the focus on the field at fault.
    await share.getByLabel('When it was shared').fill(futureValue);
    await share.getByRole('button', { name: 'Record that it was shared' }).click();
    await share.locator('.notice.error').waitFor();
    check((await share.locator('.notice.error').textContent()).includes('no-future-events'), 'share refusal: ' + await share.locator('.notice.error').textContent());
    check(await page.evaluate(() => document.activeElement.name === 'occurredAt' && document.activeElement.getAttribute('aria-invalid') === 'true'),
      'the focus is not on the field at fault');
    await shot('share-refused');
    await share.getByLabel('When it was shared').fill('2026-03-05T16:00');
    await next(() => share.getByRole('button', { name: 'Record that it was shared' }).click());
    check((await page.locator('.notice.ok').textContent()).includes('meeting M1 is recorded as shared with the parents'), 'no confirmation of the share');
    check(!(await panelFacts()).includes('Plan shared within 5 working days (M1)'), 'the share breach is still shown: ' + await panelFacts());
    check(await page.locator('form[aria-label="Outcome of meeting M1 shared with the parents"]').count() === 0, 'M1 still offers its share');
    const m1Row = page.locator('section.panel tr', { hasText: 'M1 (initial)' });
    check((await m1Row.textContent()).includes('5 Mar 2026'), 'the meeting does not say when it was shared: ' + await m1Row.textContent());

    step = 'keyworker: an action done';
    const actionRow = page.locator('tr', { hasText: 'Weekly attendance check-in' });
    await actionRow.getByLabel('Mark as').selectOption('done');
    await next(() => actionRow.getByRole('button', { name: 'Record' }).click());
    check((await page.locator('.notice.ok').textContent()).includes('Weekly attendance check-in" marked done'), 'no confirmation of the action');
    check(await page.getByRole('cell', { name: 'Weekly attendance check-in' }).count() === 0, 'the done action is still open');

    step = 'keyworker: a correction';
    await next(() => page.goto(url + '/#/family/F1/chronology'));
    const noteRow = page.locator('tbody tr', { hasText: noteText });
    const noteSeq = (await noteRow.getAttribute('id')).replace('entry-', '');
    await next(() => noteRow.getByRole('link', { name: 'Correct entry ' + noteSeq }).click());
    await page.getByRole('heading', { name: 'Correct entry ' + noteSeq + ' of family F1' }).waitFor();
    const correction = page.locator('#correction-form');
    check(await correction.getByLabel('Text').inputValue() === noteText, 'the form does not start from the entry as it stands');
    await accessible('correction');
    const correctedText = noteText.replace('94%', '91%');
    await correction.getByLabel('Text').fill(correctedText);
    await correction.getByLabel('Why it is corrected').fill('The school\'s figure was 91%: typed wrongly.');
    await shot('correction');
    await next(() => correction.getByRole('button', { name: 'Record the correction' }).click());
    check((await page.locator('.notice.ok').textContent()).includes('Correction of entry ' + noteSeq + ' recorded'), 'no confirmation of the correction');
    const correctedRow = page.locator('#entry-' + noteSeq);
    const correctedRowText = await correctedRow.textContent();
    check(correctedRowText.includes('Corrected') && correctedRowText.includes('typed wrongly') && correctedRowText.includes('91%') &&
      correctedRowText.includes('94%'), 'the chronology does not show the entry and its correction: ' + correctedRowText);
    check(await page.evaluate(() => location.hash).then((hsh) => hsh.endsWith('/chronology?entry=' + noteSeq)), 'the page after a correction');

    step = 'keyworker: closes the episode';
    await next(() => page.goto(url + '/#/family/F1'));
    await page.getByText('Close episode E1').click();
    const close = page.locator('form[aria-label="Close episode E1 of family F1"]');
    await close.getByLabel('Reason', { exact: true }).selectOption('other');
    check(await close.getByLabel('Detail').evaluate((el) => el.required), '"another reason" does not ask which');
    await close.getByLabel('Reason', { exact: true }).selectOption('needsMet');
    await next(() => close.getByRole('button', { name: 'Close the episode' }).click());
    check((await page.locator('.notice.ok').textContent()).includes('Episode E1 closed: needs met'), 'no confirmation of the closure');
    check((await panelFacts()).includes('Closed'), 'the panel does not say the episode closed');
    check(await page.locator('#note-form').count() === 1 && await page.locator('#meeting-form').count() === 0, 'the closed episode offers a meeting');
    await accessible('family page with the keyworker\'s forms');
    await shot('closed');
    await signOut();

    // ------------------------------------------------------------ the auditor
    step = 'auditor: proof and access log';
    await signIn('auditor');
    // The server wants an auditor's reason for every read of a family (serve
    // --purpose-required auditor): asked once per family, then kept with each read.
    await next(() => page.goto(url + '/#/family/F1'));
    await page.getByRole('heading', { name: 'Family F1: why?' }).waitFor();
    await accessible('why a record is read');
    await shot('purpose');
    await page.getByLabel('Why do you need this record?').selectOption('Audit of case recording');
    await page.getByLabel('Detail').fill('quarterly sample Q4');
    await next(() => page.getByRole('button', { name: 'Open the record' }).click());
    await page.locator('section.panel').waitFor();
    const audited = (await accessRecords()).filter((a) => a.actor.id === 'AU1');
    check(audited.length === 1 && audited[0].purpose === 'Audit of case recording: quarterly sample Q4 (family page)', 'the auditor\'s reason: ' + JSON.stringify(audited));
    check(await page.locator('form:not([aria-label="Compliance history period"])').count() === 0, 'an auditor is offered a form to write');
    // Every chronology entry links to its proof, checked on arrival.
    await next(() => page.goto(url + '/#/family/F1/chronology'));
    check((await accessRecords()).filter((a) => a.actor.id === 'AU1').pop().purpose === 'Audit of case recording: quarterly sample Q4 (chronology page)',
      'the reason is not kept for the family\'s other pages');
    const proofLink = page.locator('tbody tr[id^="entry-"] a[aria-label$="check its proof"]').first();
    const linkedSeq = (await proofLink.textContent()).trim();
    await next(() => proofLink.click());
    await page.getByText('Verified: event ' + linkedSeq + ' is in the log').waitFor();

    step = 'auditor: signatures and consistency, checked in the page';
    const verifierKey = spawnSync(bin, ['--data', path.join(work, 'data'), 'key', 'public'], { encoding: 'utf8' }).stdout.trim();
    check(/^caseledger\+[0-9a-f]{8}\+/.test(verifierKey), 'caseledger key public: ' + verifierKey);
    const current = await page.locator('#checkpoint').textContent();
    const signatureResult = page.locator('#signature-result');
    await page.getByLabel('Verifier key').fill(verifierKey.replace(/\+[0-9a-f]{8}\+/, '+00000000+'));
    await page.getByRole('button', { name: 'Check the signature' }).click();
    await signatureResult.getByText('the verifier key\'s hash does not match its key').waitFor();
    check(await page.evaluate(() => document.activeElement.id === 'verifier-key'), 'the focus is not on the key at fault');
    await page.getByLabel('Verifier key').fill(verifierKey);
    await page.getByLabel('Keep the key in this browser').check();
    await page.getByRole('button', { name: 'Check the signature' }).click();
    await signatureResult.getByText('Verified: this checkpoint').waitFor();
    check((await signatureResult.textContent()).includes('is signed by ' + verifierKey.split('+').slice(0, 2).join('+')), 'signature: ' + await signatureResult.textContent());
    // One byte changed anywhere in the signed text, and the signature no longer holds.
    const lines = current.split('\n');
    for (const [what, altered] of [['size', [lines[0], String(Number(lines[1]) + 1)].concat(lines.slice(2))],
      ['root', [lines[0], lines[1], lines[2].replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))].concat(lines.slice(3))],
      ['origin', ['caseledgeR'].concat(lines.slice(1))]]) {
      await page.locator('#checkpoint-text').fill(altered.join('\n'));
      await page.getByRole('button', { name: 'Check the signature' }).click();
      await signatureResult.locator('.notice.error').waitFor();
      check((await signatureResult.textContent()).includes('the checkpoint: its signature does not match its text'), 'a checkpoint with its ' + what + ' changed: ' + await signatureResult.textContent());
    }
    await shot('audit-signature-refused');
    // The log against the checkpoint kept at the start: it only grew.
    const consistencyResult = page.locator('#consistency-result');
    await page.getByLabel('Checkpoint you kept').fill(keptCheckpoint);
    await page.getByRole('button', { name: 'Check consistency' }).click();
    await consistencyResult.locator('.notice.ok, .notice.error').waitFor();
    check((await consistencyResult.textContent()).includes('it was only appended to since'), 'consistency: ' + await consistencyResult.textContent());
    // A kept checkpoint signed by the ledger's own key but of another history (its root
    // changed): the page computes the roots from the proof and refuses.
    const seed = fs.readFileSync(path.join(work, 'data', 'checkpoint.key'), 'utf8').trim().split('+').slice(4).join('+');
    const b64url = (b) => Buffer.from(b).toString('base64url');
    const privateKey = crypto.createPrivateKey({ format: 'jwk', key: { kty: 'OKP', crv: 'Ed25519',
      d: b64url(Buffer.from(seed, 'base64').subarray(1)), x: b64url(Buffer.from(verifierKey.split('+').slice(2).join('+'), 'base64').subarray(1)) } });
    const keptLines = keptCheckpoint.split('\n');
    const otherRoot = Buffer.from(keptLines[2], 'base64');
    otherRoot[0] ^= 1;
    const forgedBody = [keptLines[0], keptLines[1], otherRoot.toString('base64'), ''].join('\n');
    const keyHash = Buffer.from(verifierKey.split('+')[1], 'hex');
    const forged = forgedBody + '\n\u2014 caseledger ' + Buffer.concat([keyHash, crypto.sign(null, Buffer.from(forgedBody), privateKey)]).toString('base64') + '\n';
    await page.getByLabel('Checkpoint you kept').fill(forged);
    await page.getByRole('button', { name: 'Check consistency' }).click();
    await consistencyResult.locator('.notice.error').waitFor();
    check((await consistencyResult.textContent()).includes('the log was not only appended to'), 'an inconsistent kept checkpoint: ' + await consistencyResult.textContent());
    await shot('audit-consistency-refused');
    await page.getByRole('button', { name: 'Keep this checkpoint in this browser' }).click();
    await next(() => page.goto(url + '/#/audit?family='));
    check(await page.getByLabel('Checkpoint you kept').inputValue() === current, 'the kept checkpoint is not offered again');
    check(await page.getByLabel('Verifier key').inputValue() === verifierKey, 'the kept key is not offered again');
    await page.getByRole('button', { name: 'Check consistency' }).click();
    await consistencyResult.locator('.notice.ok').waitFor();

    step = 'auditor: the proof of an event';
    const checkpoint = await page.locator('#checkpoint').textContent();
    check(/^caseledger\n\d+\n[A-Za-z0-9+/=]{44}\n\n— /.test(checkpoint), 'checkpoint: ' + checkpoint);
    await page.getByLabel('Event number (seq)').fill('5');
    await page.getByRole('button', { name: 'Check the proof' }).click();
    await page.locator('#proof-result .notice.ok, #proof-result .notice.error').waitFor();
    const verdict = await page.locator('#proof-result').textContent();
    check(verdict.includes('Verified: event 5 is in the log of size'), 'proof: ' + verdict);
    // The page checks the proof itself: one altered hash and it says so.
    await page.route('**/v1/ledger/proofs/inclusion**', async (route) => {
      const res = await route.fetch();
      const proof = await res.json();
      proof.hashes[0] = proof.hashes[0].replace(/^./, (c) => (c === '0' ? '1' : '0'));
      await route.fulfill({ response: res, json: proof });
    });
    await page.getByRole('button', { name: 'Check the proof' }).click();
    await page.getByText('Not verified: the proof does not lead to the checkpoint').waitFor();
    await page.unroute('**/v1/ledger/proofs/inclusion**');
    // An event beyond the checkpoint is not asked for: the form says the range.
    const size = Number(checkpoint.split('\n')[1]);
    await page.getByLabel('Event number (seq)').fill(String(size + 1000));
    check(!(await page.getByLabel('Event number (seq)').evaluate((el) => el.checkValidity())), 'a seq beyond the log is accepted');
    // The last event: the right edge of the tree.
    await page.getByLabel('Event number (seq)').fill(String(size));
    await page.getByRole('button', { name: 'Check the proof' }).click();
    await page.getByText('Verified: event ' + size + ' ').waitFor();
    await page.getByLabel('Family id').fill('F1');
    await page.getByRole('button', { name: 'Show the access log' }).click();
    await page.getByRole('cell', { name: 'TM1' }).first().waitFor();
    check(await page.getByRole('cell', { name: 'chronology' }).count() >= 1, 'the chronology reads are not in the access log');
    await accessible('audit');
    await shot('audit');
    await page.setViewportSize({ width: 390, height: 844 });
    await accessible('audit at 390 px');
    await shot('audit-390');
    await page.setViewportSize({ width: 1280, height: 900 });
    await signOut();

    check(errors.length === 0, 'errors in the browser: ' + errors.join(' | '));
    console.log('axe-core ' + JSON.parse(fs.readFileSync(path.join(build, 'web', 'node_modules', 'axe-core', 'package.json'), 'utf8')).version +
      ': no serious or critical violation in ' + axeScans.length + ' scans (' + axeScans.join('; ') + ')');
    step = 'nothing leaves';
    check(foreign.length === 0, 'requests to elsewhere: ' + foreign.join(' '));
    check((await context.cookies()).length === 0, 'a cookie was set');
    // The log lines (the demo's banner, which prints the tokens on purpose, aside).
    const log = fs.readFileSync(path.join(work, 'server.log'), 'utf8').split('\n').filter((l) => /^\d{4}-\d\d-\d\dT/.test(l)).join('\n');
    check(log.includes('route="/v1/session"'), 'the log lines were not found');
    for (const t of Object.values(tokens)) check(!log.includes(t), 'a token is in the server\'s log');
    console.log('web pages test passed; screenshots in ' + shots);
  } finally {
    await browser.close();
    await stopServer(server);
  }
}


main().then(() => {
  fs.rmSync(work, { recursive: true, force: true });
}, (err) => {
  console.error('FAIL ' + err.message);
  const log = path.join(work, 'server.log');
  if (fs.existsSync(log)) console.error('--- the server\'s log (last lines):\n' + fs.readFileSync(log, 'utf8').split('\n').slice(-15).join('\n'));
  process.exit(1);
});
