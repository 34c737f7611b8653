// Real GraphQL clients against a running qcdc (URL in argv[2], e.g. http://127.0.0.1:18080):
// the graphql-http audit (every MUST and SHOULD), graphql-request (login, cursor paging, an error), and graphql-ws
// (a subscription that receives the event a second client's mutation causes).
// Every step is bounded in time; any failure exits non-zero.
import { serverAudits } from 'graphql-http';
import { GraphQLClient, ClientError, gql } from 'graphql-request';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const base = process.argv[2] ?? 'http://127.0.0.1:18080';
const url = `${base}/graphql`;
let passed = 0;
let failed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else {
    failed++;
    console.error(`FAIL ${what}`);
  }
};
const bounded = (promise, ms, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms))]);

// 1. The GraphQL-over-HTTP audit: every MUST and every SHOULD passes (a MAY may go either way:
// they allow opposite answers to the same request).
let audited = 0;
for (const audit of serverAudits({ url })) {
  const result = await bounded(audit.fn(), 10_000, audit.name);
  if (audit.name.startsWith('MUST') || audit.name.startsWith('SHOULD')) {
    audited++;
    check(result.status === 'ok', `${audit.name}: ${result.reason ?? ''}`);
  }
}
check(audited === 36, `the audit ran ${audited} MUST and SHOULD checks`);

// 2. graphql-request: sign in, page through tasks with cursors, handle an error.
const anonymous = new GraphQLClient(url);
const login = async (username) =>
  (await anonymous.request(gql`mutation($u: String!) { login(username: $u, password: "qcdc-demo") { accessToken } }`, { u: username })).login.accessToken;
const steering = new GraphQLClient(url, { headers: { authorization: `Bearer ${await login('steering')}` } });
const reporter = new GraphQLClient(url, { headers: { authorization: `Bearer ${await login('reporter')}` } });

let after = null;
let seen = 0;
let total = 0;
for (let page = 0; page < 50; page++) {
  const { tasks } = await steering.request(
    gql`query($after: String) { tasks(first: 7, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { code } } } }`,
    { after },
  );
  total = tasks.totalCount;
  seen += tasks.edges.length;
  if (!tasks.pageInfo.hasNextPage) break;
  after = tasks.pageInfo.endCursor;
}
check(total > 7 && seen === total, `cursor paging saw ${seen} of ${total} tasks`);
try {
  await anonymous.request(gql`{ me { username } }`);
  check(false, 'an anonymous `me` must fail');
} catch (e) {
  check(e instanceof ClientError && e.response.errors[0].extensions.code === 'UNAUTHENTICATED', 'error code UNAUTHENTICATED');
}

// 3. graphql-ws: one client subscribes, another's mutation causes the event.
const units = await steering.request(gql`{ units(first: 100, filter: { kinds: [STEERING_COMMITTEE] }) { edges { node { id code } } } }`);
const unit = (code) => units.units.edges.find((e) => e.node.code === code).node.id;
const { createPlan } = await steering.request(
  gql`mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }`,
  { i: { title: 'Kế hoạch kiểm tra máy khách', issuingUnitId: unit('ST.BCD'), periodStart: '2024-01-01', periodEnd: '2024-12-31' } },
);
const { createReportSchedule } = await steering.request(
  gql`mutation($i: CreateReportScheduleInput!) { createReportSchedule(input: $i) { reportSchedule { obligations { id } } } }`,
  { i: { planId: createPlan.plan.id, kind: 'PERIODIC', title: 'Quý I', periodStart: '2024-01-01', periodEnd: '2024-03-31', dueOn: '2030-01-01', reportingUnitIds: [unit('ST.D01.BCD')] } },
);
const steeringToken = await login('steering');
const ws = createClient({
  url: url.replace(/^http/, 'ws'),
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${steeringToken}` },
});
const received = new Promise((resolve, reject) => {
  const stop = ws.subscribe(
    { query: 'subscription { reportStatusChanged { status unit { code } } }' },
    { next: (v) => { stop(); resolve(v); }, error: reject, complete: () => {} },
  );
});
await new Promise((r) => setTimeout(r, 500));
const { createReport } = await reporter.request(
  gql`mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version } } }`,
  { i: { obligationId: createReportSchedule.reportSchedule.obligations[0].id } },
);
await reporter.request(gql`mutation($i: ReportStepInput!) { submitReport(input: $i) { report { status } } }`, {
  i: { id: createReport.report.id, version: createReport.report.version },
});
const event = await bounded(received, 15_000, 'subscription event');
check(event.data.reportStatusChanged.status === 'SUBMITTED' && event.data.reportStatusChanged.unit.code === 'ST.D01.BCD', 'graphql-ws received the event');
await ws.dispose();

console.log(`clients: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
