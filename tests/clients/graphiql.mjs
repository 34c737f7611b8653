// README's "A first query", done as a new user would, in headless Chromium (Debian's package)
// against a running qcdc (URL in argv[2], e.g. http://127.0.0.1:18080) on a network without
// internet: every request to another origin is blocked and counted as a failure. Signs in as
// `reporter` through the page, puts the token in the headers pane, runs the first query and finds
// Plan 24-KH/BCĐ in the result pane; then runs a subscription from the page over the same
// endpoint and receives the event another user's mutation causes. Prints
// `graphiql: N passed, M failed` and the path of a screenshot of the result. Nothing in the page
// may break its Content-Security-Policy either.
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = process.argv[2] ?? 'http://127.0.0.1:18080';
const origin = new URL(base).origin;
const url = `${origin}/graphql`;
const STEP_MS = 20_000;
let passed = 0;
let failed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else {
    failed++;
    console.error(`FAIL ${what}`);
  }
};

// The query README shows after signing in: its second graphql block under "A first query".
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.split('## A first query')[1].split('\n## ')[0];
const blocks = [...section.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
const [loginMutation, firstQuery] = blocks;
check(/login\(username: "reporter"/.test(loginMutation ?? '') && /plans\(/.test(firstQuery ?? ''), 'README has the sign-in and the first query');

const post = async (query, variables, token) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
};

const profile = mkdtempSync(join(tmpdir(), 'qcdc-graphiql-profile-'));
const screenshot = join(mkdtempSync(join(tmpdir(), 'qcdc-graphiql-')), 'graphiql.png');
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
let page;
const leaving = [];
const violations = [];
const frames = [];
const within = (promise, ms, what) => {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => { console.error(`timeout: ${what}`); resolve(false); }, ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
};
// Resolved once the page's session is acknowledged and its `subscribe` has gone out.
let onSubscribed;
const subscribed = new Promise((resolve) => { onSubscribed = resolve; });
const settle = () => {
  const ack = frames.some((f) => !f.sent && /"type":"connection_ack"/.test(f.data));
  if (ack && frames.some((f) => f.sent && /"type":"subscribe"/.test(f.data))) onSubscribed(true);
};
try {
  // No internet: anything for another origin is refused before it leaves the browser.
  await context.route('**/*', (route) => {
    const target = route.request().url();
    if (new URL(target).origin === origin) return route.continue();
    leaving.push(target);
    return route.abort('blockedbyclient');
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(STEP_MS);
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
  });
  page.on('websocket', (socket) => {
    if (new URL(socket.url()).host !== new URL(origin).host) leaving.push(socket.url());
    socket.on('framesent', (f) => { frames.push({ sent: true, data: String(f.payload) }); settle(); });
    socket.on('framereceived', (f) => { frames.push({ sent: false, data: String(f.payload) }); settle(); });
  });

  const encodings = new Map();
  page.on('response', (r) => encodings.set(new URL(r.url()).pathname.split('/').pop(), r.headers()['content-encoding']));
  const response = await page.goto(url, { waitUntil: 'load' });
  check(response.status() === 200, `GET /graphql answers ${response.status()}`);
  check(/default-src 'self'/.test(response.headers()['content-security-policy'] ?? ''), 'the page sends its Content-Security-Policy');

  const queryEditor = page.locator('.graphiql-query-editor .CodeMirror');
  const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').last();
  const result = page.locator('.graphiql-response');
  await queryEditor.waitFor();
  check(encodings.get('graphiql.min.js') === 'gzip', 'GraphiQL\'s script came gzipped');
  // Types into an editor as a paste would: keystroke by keystroke, CodeMirror would close brackets.
  const typeInto = async (editor, text) => {
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(text);
  };
  const run = async () => {
    await page.locator('.graphiql-execute-button').click();
  };
  // The result pane's whole text (CodeMirror draws only the lines in view).
  const resultText = () => result.locator('.CodeMirror').evaluate((el) => el.CodeMirror.getValue());

  // 1. Sign in through the page and read the token from the result pane.
  await typeInto(queryEditor, loginMutation);
  await run();
  await page.waitForFunction(() => /accessToken/.test(document.querySelector('.graphiql-response')?.textContent ?? ''));
  const token = JSON.parse(await resultText()).data.login.accessToken;
  check(typeof token === 'string' && token.length > 20, 'the result pane shows an access token');

  // 2. The token goes into the headers pane, as README says; then the first query.
  await page.locator('.graphiql-editor-tools button', { hasText: 'Headers' }).click();
  await typeInto(headersEditor, JSON.stringify({ Authorization: `Bearer ${token}` }));
  await typeInto(queryEditor, firstQuery);
  await run();
  const plan = await page
    .waitForFunction(() => (document.querySelector('.graphiql-response')?.textContent ?? '').includes('24-KH/BCĐ'))
    .then(() => true, () => false);
  check(plan, 'the result pane shows Plan 24-KH/BCĐ');
  const first = JSON.parse(await resultText());
  check(!first.errors && first.data.plans.edges.some((e) => e.node.number === '24-KH/BCĐ'), `the first query has no errors: ${JSON.stringify(first.errors ?? [])}`);
  check(first.data.legalDocuments.totalCount > 0, 'the first query finds Nghị định 59');
  await page.screenshot({ path: screenshot });

  // 3. A subscription from the page, over the same endpoint, signed in by the headers pane: the
  // event a report's submission causes reaches the result pane.
  const steering = (await post('mutation { login(username: "steering", password: "qcdc-demo") { accessToken } }')).login.accessToken;
  const units = await post('{ units(first: 100, filter: { kinds: [STEERING_COMMITTEE] }) { edges { node { id code } } } }', {}, steering);
  const unit = (code) => units.units.edges.find((e) => e.node.code === code).node.id;
  const { createPlan } = await post('mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }',
    { i: { title: 'Kế hoạch kiểm tra GraphiQL', issuingUnitId: unit('ST.BCD'), periodStart: '2024-01-01', periodEnd: '2024-12-31' } }, steering);
  const { createReportSchedule } = await post(
    'mutation($i: CreateReportScheduleInput!) { createReportSchedule(input: $i) { reportSchedule { obligations { id } } } }',
    { i: { planId: createPlan.plan.id, kind: 'PERIODIC', title: 'Quý I', periodStart: '2024-01-01', periodEnd: '2024-03-31', dueOn: '2030-01-01', reportingUnitIds: [unit('ST.D01.BCD')] } },
    steering);
  await typeInto(queryEditor, 'subscription WatchReports { reportStatusChanged { status unit { code } } }');
  // GraphiQL parses the editor 100 ms after the last change and sends a document over the
  // WebSocket only once it knows it is a subscription; the tab takes the operation's name then.
  await page.locator('.graphiql-tab', { hasText: 'WatchReports' }).waitFor();
  await run();
  const acked = await within(subscribed, STEP_MS, 'subscribe');
  check(acked, 'the page opened a graphql-transport-ws session that the server acknowledged');
  const init = frames.find((f) => f.sent && /"type":"connection_init"/.test(f.data));
  check(init && JSON.parse(init.data).payload?.Authorization === `Bearer ${token}`, 'connection_init carries the headers pane\'s Authorization');
  // The server registers the subscription as it reads `subscribe`, well before the two round
  // trips below commit the report; nothing later in the protocol would say so.
  const { createReport } = await post('mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }',
    { i: { obligationId: createReportSchedule.reportSchedule.obligations[0].id } }, token);
  await post('mutation($i: ReportStepInput!) { submitReport(input: $i) { report { status } } }',
    { i: { id: createReport.report.id, version: createReport.report.version } }, token);
  const event = await page
    .waitForFunction(() => /SUBMITTED/.test(document.querySelector('.graphiql-response')?.textContent ?? ''))
    .then(() => true, () => false);
  check(event, 'the subscription\'s event reached the result pane');


  // 4. A dialog: GraphiQL adds a <style> element, which the policy admits only by the page's nonce.
  await page.getByRole('button', { name: /settings/i }).click();
  await page.getByRole('dialog').waitFor();
  await page.keyboard.press('Escape');
} catch (e) {
  check(false, `${e.message}`);
  await page?.screenshot({ path: screenshot }).catch(() => {});
} finally {
  check(violations.length === 0, `no Content-Security-Policy violation: ${violations.join(' | ')}`);
  check(leaving.length === 0, `no request left ${origin}: ${leaving.join(', ')}`);
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}

console.log(`graphiql screenshot: the first query's result at ${screenshot}`);
console.log(`graphiql: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
