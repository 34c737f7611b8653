// Differential validation: every document of a corpus is validated by qcdc (over HTTP, as a
// client sends it) and by graphql-js (the reference implementation) against the committed
// schema.graphql; both must give the same verdict, valid or invalid, for every document.
//
// The corpus is the hand-written edge cases in differential/cases.graphql (one document per
// `# ---` section) and documents generated from the schema: for every root field a valid
// document with variables, one with literals, and one document per kind of defect (an unknown
// field or argument, a missing required argument, a literal of the wrong type, an enum written
// as a string, a variable of the wrong type or nullability, a missing or surplus selection set,
// an unused or undefined variable, conflicting aliases, an impossible fragment spread...).
//
// qcdc's verdict: invalid when it answers GRAPHQL_PARSE_FAILED or GRAPHQL_VALIDATION_FAILED
// without a cost or depth figure; anything else (data, UNAUTHENTICATED, BAD_USER_INPUT...)
// means the document passed validation. Usage: node differential.mjs http://127.0.0.1:18080
import { readFileSync } from 'node:fs';
import {
  buildSchema, parse, validate, print, astFromValue, typeFromAST,
  getNamedType, isNonNullType, isListType, isLeafType, isEnumType, isInputObjectType,
  isObjectType, isInterfaceType, isUnionType, isScalarType,
} from 'graphql';

const base = process.argv[2] ?? 'http://127.0.0.1:18080';
const schema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));

// A small deterministic generator, so a failure can be replayed.
let seed = 20241;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (items) => items[Math.floor(random() * items.length)];

/** A value of `type` that coerces (JSON, for variables). */
function sample(type, depth = 0) {
  if (isNonNullType(type)) return sample(type.ofType, depth);
  if (isListType(type)) return [sample(type.ofType, depth)];
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    if (type.isOneOf) return { [fields[0].name]: sample(fields[0].type, depth + 1) };
    const value = {};
    for (const field of fields) {
      if (isNonNullType(field.type) && field.defaultValue === undefined) value[field.name] = sample(field.type, depth + 1);
    }
    return value;
  }
  switch (type.name) {
    case 'Int': return 1;
    case 'Float': return 1.5;
    case 'Boolean': return true;
    case 'DateTime': return '2024-03-01T00:00:00Z';
    case 'NaiveDate': return '2024-03-01';
    default: return 'x';
  }
}

/** A literal of `type` in GraphQL syntax. */
const literal = (type) => print(astFromValue(sample(type), type));

/** A literal that does not fit `type`, or null when every literal would. */
function wrongLiteral(type) {
  const named = getNamedType(type);
  if (isEnumType(named)) return JSON.stringify(named.getValues()[0].name); // a string, not an enum value
  if (isInputObjectType(named)) return '"x"';
  switch (named.name) {
    case 'Int': case 'Float': return '"1"';
    case 'Boolean': return '1';
    case 'String': case 'ID': return '{ a: 1 }';
    default: return null;
  }
}

/** A selection set for `type`: a few leaves and one nested object, or '' for a leaf. */
function selection(type, depth = 0) {
  const named = getNamedType(type);
  if (isLeafType(named)) return '';
  if (isUnionType(named)) return '{ __typename }';
  if (!isObjectType(named) && !isInterfaceType(named)) return '';
  const fields = Object.values(named.getFields()).filter((f) => f.args.every((a) => !isNonNullType(a.type) || a.defaultValue !== undefined));
  const leaves = fields.filter((f) => isLeafType(getNamedType(f.type))).slice(0, 3).map((f) => f.name);
  const parts = leaves.length ? leaves : ['__typename'];
  if (depth < 1) {
    const nested = fields.find((f) => !isLeafType(getNamedType(f.type)));
    if (nested) parts.push(`${nested.name} ${selection(nested.type, depth + 1)}`);
  }
  return `{ ${parts.join(' ')} }`;
}

const operationOf = (root) => (root === schema.getQueryType() ? 'query' : root === schema.getMutationType() ? 'mutation' : 'subscription');

/** The documents generated for one root field. */
function generated(root, field) {
  const op = operationOf(root);
  const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  const sel = selection(field.type);
  const call = (args) => (args.length ? `${field.name}(${args.join(', ')})` : field.name);
  const withVars = (defs, args, body = sel) => `${op}${defs.length ? `(${defs.join(', ')})` : ''} { ${call(args)} ${body} }`;
  const defs = required.map((a) => `$${a.name}: ${a.type}`);
  const uses = required.map((a) => `${a.name}: $${a.name}`);
  const docs = [];
  const add = (kind, text) => docs.push({ name: `${op}.${field.name}: ${kind}`, text });

  add('variables', withVars(defs, uses));
  add('literals', withVars([], required.map((a) => `${a.name}: ${literal(a.type)}`)));
  add('unknown field', withVars(defs, uses, sel ? sel.replace(/}\s*$/, ' noSuchField }') : '{ noSuchField }'));
  add('unknown argument', withVars(defs, [...uses, 'noSuchArgument: 1']));
  if (required.length) add('missing required argument', withVars(defs.slice(1), uses.slice(1)));
  for (const arg of field.args) {
    const wrong = wrongLiteral(arg.type);
    if (wrong) {
      add(`wrong literal for ${arg.name}`, withVars(defs.filter((d) => !d.startsWith(`$${arg.name}:`)), [...uses.filter((u) => !u.startsWith(`${arg.name}:`)), `${arg.name}: ${wrong}`]));
      break;
    }
  }
  for (const arg of required) {
    const named = getNamedType(arg.type).name;
    const other = named === 'String' ? 'Int' : 'String';
    const swap = (t) => `$${arg.name}: ${String(arg.type).replace(new RegExp(`\\b${named}\\b`), other)}`;
    add(`variable of another type for ${arg.name}`, withVars(defs.map((d) => (d.startsWith(`$${arg.name}:`) ? swap(d) : d)), uses));
    add(`nullable variable for ${arg.name}`, withVars(defs.map((d) => (d.startsWith(`$${arg.name}:`) ? d.replace(/!$/, '') : d)), uses));
    if (named !== 'ID') {
      add(`ID variable for ${arg.name}`, withVars(defs.map((d) => (d.startsWith(`$${arg.name}:`) ? `$${arg.name}: ID!` : d)), uses));
    }
    break;
  }
  if (sel) {
    add('missing selection set', withVars(defs, uses, ''));
    add('conflicting aliases', withVars(defs, uses, sel.replace('{', '{ same: __typename same: __schema { queryType { name } } ')));
  } else {
    add('selection set on a leaf', withVars(defs, uses, '{ id }'));
  }
  add('unused variable', withVars([...defs, '$unused: Int'], uses));
  if (field.args.length) {
    const arg = field.args[0];
    const others = uses.filter((u) => !u.startsWith(`${arg.name}:`));
    add('undefined variable', withVars(defs.filter((d) => !d.startsWith(`$${arg.name}:`)), [...others, `${arg.name}: $undefined`]));
  }
  add('impossible fragment spread', `${op}${defs.length ? `(${defs.join(', ')})` : ''} { ... on ${pick(['Unit', 'Plan', 'Task'])} { id } ${call(uses)} ${sel} }`);
  return docs;
}

function corpus() {
  const docs = [];
  const text = readFileSync(new URL('./differential/cases.graphql', import.meta.url), 'utf8');
  for (const section of text.split(/^# ---/m).slice(1)) {
    const newline = section.indexOf('\n');
    docs.push({ name: `case: ${section.slice(0, newline).trim()}`, text: section.slice(newline + 1) });
  }
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) docs.push(...generated(root, field));
  }
  return docs;
}

/** graphql-js's verdict and, for a valid document, the variables and operation to send. */
function reference(text) {
  let document;
  try {
    document = parse(text);
  } catch (e) {
    return { valid: false, errors: [e.message] };
  }
  const errors = validate(schema, document).map((e) => e.message);
  const operations = document.definitions.filter((d) => d.kind === 'OperationDefinition');
  const first = operations[0];
  const variables = {};
  for (const definition of first?.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type);
    variables[definition.variable.name.value] = type ? sample(type) : 'x';
  }
  return { valid: errors.length === 0, errors, variables, operationName: first?.name?.value };
}

async function qcdc(text, variables, operationName) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query: text, variables, operationName }),
  });
  const body = await res.json().catch(() => null);
  const refusal = body?.errors?.find((e) => ['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED'].includes(e.extensions?.code));
  if (refusal && (refusal.extensions.cost !== undefined || refusal.extensions.depth !== undefined)) {
    return { valid: null, body, status: res.status }; // valid, but over a limit: the corpus must not do that
  }
  return { valid: !refusal, body, status: res.status };
}

let passed = 0;
let failed = 0;
let valid = 0;
for (const doc of corpus()) {
  const expected = reference(doc.text);
  const got = await qcdc(doc.text, expected.variables ?? {}, expected.operationName);
  if (got.valid === expected.valid) {
    passed++;
    if (expected.valid) valid++;
  } else {
    failed++;
    console.error(`MISMATCH ${doc.name}\n${doc.text.trim()}\n  graphql-js: ${expected.valid ? 'valid' : `invalid: ${expected.errors.join(' | ')}`}\n  qcdc (${got.status}): ${JSON.stringify(got.body)}\n`);
  }
}
console.log(`differential: ${passed} passed, ${failed} failed (${valid} valid and ${passed - valid} invalid documents agreed)`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
