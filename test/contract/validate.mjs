// Holds every answer the integration tests got from the real binary to
// /openapi.json, as the binary itself served it: status, headers and body,
// with ajv (JSON Schema) and the spec checked by swagger-parser first.
//
//   node validate.mjs EXCHANGES.jsonl            validate every exchange
//   node validate.mjs EXCHANGES.jsonl --mutants  prove that a wrong answer
//                                                fails: each mutant must
//
// EXCHANGES is what test/support/process.hpp writes with
// TILLROLL_EXCHANGE_LOG set: one {method, target, status, head, body} a line.
import { readFileSync, writeFileSync } from "node:fs";
import SwaggerParser from "@apidevtools/swagger-parser";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const [file, mode] = process.argv.slice(2);
if (!file) {
  console.error("usage: node validate.mjs EXCHANGES.jsonl [--mutants]");
  process.exit(2);
}

const exchanges = readFileSync(file, "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line));

// The spec is the binary's own answer to GET /openapi.json.
const served = exchanges.find(
  (e) => e.method === "GET" && e.target === "/openapi.json" && e.status === 200,
);
if (!served) {
  console.error("no GET /openapi.json among the exchanges: nothing to check against");
  process.exit(1);
}
const spec = JSON.parse(served.body);
await SwaggerParser.validate(structuredClone(spec));
// The pages' typed client is generated from this very document.
if (process.env.OPENAPI_OUT) writeFileSync(process.env.OPENAPI_OUT, served.body);

// OpenAPI 3.0 schemas as JSON Schema for ajv: refs into the components
// become refs into one schema holding them; `nullable` is ajv's own
// OpenAPI keyword; `example` is documentation.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
addFormats(ajv);
ajv.addKeyword("example");
const rewrite = (schema) =>
  JSON.parse(
    JSON.stringify(schema).replaceAll(
      '"#/components/schemas/',
      '"components#/definitions/',
    ),
  );
ajv.addSchema({ $id: "components", definitions: rewrite(spec.components.schemas) });
const compiled = new Map();
const validatorOf = (schema) => {
  const key = JSON.stringify(schema);
  if (!compiled.has(key)) compiled.set(key, ajv.compile(rewrite(schema)));
  return compiled.get(key);
};

// Path templates, literal segments first, so /v1/sellers/me/orders is not
// read as /v1/orders/{id}-like templates of the same length.
const templates = Object.keys(spec.paths).map((path) => ({
  path,
  parts: path.split("/").slice(1),
}));
function findPath(target) {
  const parts = target.split("?")[0].split("/").slice(1);
  let best = null;
  for (const template of templates) {
    if (template.parts.length !== parts.length) continue;
    let literal = 0;
    const fits = template.parts.every((part, index) => {
      if (part.startsWith("{")) return parts[index] !== "";
      literal += part === parts[index] ? 1 : 0;
      return part === parts[index];
    });
    if (fits && (!best || literal > best.literal)) best = { ...template, literal };
  }
  return best?.path;
}

function headersOf(head) {
  const headers = new Map();
  for (const line of head.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? null : value);
  }
  return headers;
}

const errorResponse = (status) => ({
  description: "any route",
  content: {
    "application/json": {
      schema: { $ref: `#/components/schemas/Error${status}` },
    },
  },
});

/// The pages (`/`, `/console/` and their files) are outside the API: a
/// GET of a path outside /v1/ answered 200 or 304 with a page's media type.
const pageTypes = /^(text\/html|text\/javascript|text\/css|image\/svg\+xml|image\/png)/;
function isPage(exchange) {
  const path = exchange.target.split("?")[0];
  return (
    ["GET", "HEAD"].includes(exchange.method) &&
    !path.startsWith("/v1/") &&
    [200, 304].includes(exchange.status) &&
    pageTypes.test(headersOf(exchange.head).get("content-type") ?? "")
  );
}

/// What every page answer carries (docs/api.md, "The pages").
function pageProblems(exchange) {
  const problems = [];
  for (const name of ["etag", "cache-control", "content-security-policy", "x-content-type-options"])
    if (!headersOf(exchange.head).get(name)) problems.push(`page ${exchange.target} has no ${name}`);
  return problems;
}

/// The problems of one exchange: empty when it is as documented.
function problemsOf(exchange, seen) {
  const problems = [];
  const method = exchange.method === "HEAD" ? "get" : exchange.method.toLowerCase();
  const path = findPath(exchange.target);
  let response;
  let operationName;
  if (!path && isPage(exchange)) return pageProblems(exchange);
  if (!path || !/^[a-z]+$/.test(method)) {
    // No route: a 404, or a 400 for a target or request that is not HTTP.
    if (![400, 404, 408, 413].includes(exchange.status))
      return [`no route, yet status ${exchange.status}`];
    response = errorResponse(exchange.status);
  } else if (!spec.paths[path][method]) {
    if (![400, 405, 408, 413].includes(exchange.status))
      return [`${path} has no ${method}, yet status ${exchange.status}`];
    response = errorResponse(exchange.status);
    if (exchange.status === 405 && !headersOf(exchange.head).get("allow"))
      problems.push("405 without Allow");
  } else {
    const operation = spec.paths[path][method];
    operationName = `${method.toUpperCase()} ${path}`;
    response = operation.responses[String(exchange.status)];
    if (!response)
      return [`${operationName} does not document status ${exchange.status}`];
    if (exchange.status < 300 || exchange.status === 304)
      seen.add(operationName);
  }
  const headers = headersOf(exchange.head);
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const value = headers.get(name.toLowerCase());
    if (value === undefined) {
      if (header.required !== false) problems.push(`header ${name} missing`);
      continue;
    }
    if (value === null) {
      problems.push(`header ${name} sent twice`);
      continue;
    }
    const typed = header.schema.type === "integer" ? Number(value) : value;
    const check = validatorOf(header.schema);
    if (!check(typed) || (header.schema.type === "integer" && !/^\d+$/.test(value)))
      problems.push(`header ${name}: ${value} is not ${JSON.stringify(header.schema)}`);
  }
  const content = response.content;
  if (!content) {
    if (exchange.body !== "") problems.push("a body where none is documented");
    return problems;
  }
  const [media, { schema }] = Object.entries(content)[0];
  const type = headers.get("content-type") ?? "";
  if (type.split(";")[0].trim() !== media)
    problems.push(`Content-Type ${type}, documented ${media}`);
  if (exchange.method === "HEAD") return problems;
  let body;
  if (media === "application/json") {
    try {
      body = JSON.parse(exchange.body);
    } catch {
      problems.push(`the body is not JSON: ${exchange.body.slice(0, 80)}`);
      return problems;
    }
  } else {
    body = exchange.body;
  }
  const check = validatorOf(schema);
  if (!check(body))
    for (const error of check.errors)
      problems.push(`${error.instancePath || "/"} ${error.message} ${JSON.stringify(error.params)}`);
  return problems;
}

function validateAll(all) {
  const seen = new Set();
  const failures = [];
  for (const exchange of all) {
    const problems = problemsOf(exchange, seen);
    if (problems.length > 0) failures.push({ exchange, problems });
  }
  const operations = [];
  for (const [path, methods] of Object.entries(spec.paths))
    for (const method of Object.keys(methods)) operations.push(`${method.toUpperCase()} ${path}`);
  const unseen = operations.filter((name) => !seen.has(name));
  return { failures, unseen, operations };
}

if (mode === "--mutants") {
  // Each mutant is a real answer made wrong in one way; the validator
  // must refuse every one, or it proves nothing when it passes.
  const pick = (predicate) => {
    const found = exchanges.find(predicate);
    if (!found) throw new Error("no exchange to mutate");
    return structuredClone(found);
  };
  const sku = () =>
    pick((e) => e.method === "GET" && /^\/v1\/skus\/[^/]+$/.test(e.target) && e.status === 200);
  const product = () =>
    pick((e) => e.method === "GET" && /^\/v1\/products\/[^/?]+$/.test(e.target) && e.status === 200);
  const mutate = (exchange, change) => {
    const body = JSON.parse(exchange.body);
    change(body);
    exchange.body = JSON.stringify(body);
    return exchange;
  };
  const mutants = {
    "a field of the wrong type": mutate(sku(), (b) => (b.available = String(b.available))),
    "a field the schema does not name": mutate(sku(), (b) => (b.owner = "u1")),
    "a required field left out": mutate(sku(), (b) => delete b.currency),
    "a nested field of the wrong type": mutate(product(), (b) => (b.variants[0].in_stock = "yes")),
    "a value outside its enum": mutate(
      pick((e) => e.method === "GET" && /^\/v1\/orders\/[^/?]+$/.test(e.target) && e.status === 200),
      (b) => (b.status = "teleported"),
    ),
    "an error code its status does not have": mutate(
      pick((e) => e.status === 404 && e.body.includes('"not_found"')),
      (b) => (b.error.code = "out_of_stock"),
    ),
    "a status the route does not document": Object.assign(sku(), { status: 418 }),
    "an event field of the wrong type": mutate(
      pick((e) => /^\/v1\/admin\/streams\/order-[^/]+\/events/.test(e.target) && e.status === 200),
      (b) => (b.items[0].event.total_cents = "5000"),
    ),
    "a state field the schema does not name": mutate(
      pick((e) => /^\/v1\/admin\/streams\/sku-[^/]+\/state/.test(e.target) && e.status === 200),
      (b) => (b.state.owner = "u1"),
    ),
    "a documented header missing": Object.assign(product(), {
      head: product().head.replace(/\r\nETag:[^\r]*/i, ""),
    }),
    "a media type other than documented": Object.assign(sku(), {
      head: sku().head.replace(/Content-Type: application\/json/i, "Content-Type: text/html"),
    }),
  };
  let missed = 0;
  for (const [name, exchange] of Object.entries(mutants)) {
    const problems = problemsOf(exchange, new Set());
    if (problems.length === 0) {
      console.log(`NOT CAUGHT: ${name}`);
      missed += 1;
    } else {
      console.log(`caught: ${name}: ${problems[0]}`);
    }
  }
  process.exit(missed === 0 ? 0 : 1);
}

// An example the spec shows must itself fit the schema it illustrates.
const wrongExamples = [];
const examplesOf = (where, schema) => {
  if (!schema || typeof schema !== "object") return;
  if (schema.example !== undefined && !schema.$ref) {
    const { example, ...rest } = schema;
    const check = validatorOf(rest);
    if (!check(example)) wrongExamples.push(`${where}: ${ajv.errorsText(check.errors)}`);
  }
  for (const [key, value] of Object.entries(schema))
    if (typeof value === "object") examplesOf(`${where}/${key}`, value);
};
examplesOf("#", spec);

const { failures, unseen, operations } = validateAll(exchanges);
for (const wrong of wrongExamples) console.log(`example outside its schema: ${wrong}`);
console.log(
  `spec valid (OpenAPI ${spec.openapi}, ${operations.length} operations); ` +
    `${exchanges.length} answers checked, ${failures.length} outside the spec; ` +
    `${operations.length - unseen.length} of ${operations.length} operations seen succeeding`,
);
for (const { exchange, problems } of failures.slice(0, 40))
  console.log(
    `${exchange.method} ${exchange.target} -> ${exchange.status}: ${problems.join("; ")}\n  ${exchange.body.slice(0, 300)}`,
  );
for (const name of unseen) console.log(`never seen succeeding: ${name}`);
process.exit(failures.length === 0 && unseen.length === 0 && wrongExamples.length === 0 ? 0 : 1);
