// Zoho's official Node SDK (@zohocrm/nodejs-sdk-8.0), unmodified, against the sandbox.
//
// Usage: SDK_DIR=DIR node node_sdk.mjs BASE_URL WORK_DIR, where DIR/node_modules holds the SDK.
//
// Runs the operations real users do and exits non-zero when any of them fails, when the SDK
// throws, or when the SDK's own log holds an error line. Prints one line per operation and a
// closing "N passed, N failed" line.

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [base, work] = process.argv.slice(2);
const sdkDir = process.env.SDK_DIR;
const ZOHOCRMSDK = await import(
  pathToFileURL(path.join(sdkDir, "node_modules/@zohocrm/nodejs-sdk-8.0/lib/index.js")).href
);

const CLIENT_ID = "1000.SANDBOXCLIENT";
const CLIENT_SECRET = "sandbox-secret";
const SCOPES = [
  "ZohoCRM.modules.ALL",
  "ZohoCRM.settings.ALL",
  "ZohoCRM.users.ALL",
  "ZohoCRM.org.ALL",
  "ZohoCRM.coql.READ",
].join(",");

const results = [];
const state = {};

async function check(name, step) {
  try {
    await step();
    results.push([name, null]);
    console.log("ok", name);
  } catch (error) {
    results.push([name, error]);
    console.log("FAIL", `${name}:`, error && error.stack ? error.stack : JSON.stringify(error));
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function grantCode() {
  const answer = await fetch(`${base}/__sandbox/self-client`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ scope: SCOPES, client_id: CLIENT_ID }),
  });
  return (await answer.json()).code;
}

// The response's object, which must be of the named class of the module; Zoho's errors throw.
function ok(response, module, wrapper) {
  assert(response != null, "no response");
  const object = response.getObject();
  if (object instanceof module.APIException) {
    throw new Error(
      `${response.getStatusCode()} ${object.getCode().getValue()}: ${object.getMessage().getValue()}`
    );
  }
  assert(
    object instanceof module[wrapper],
    `expected ${wrapper}, got ${object && object.constructor.name} (HTTP ${response.getStatusCode()})`
  );
  return object;
}

function successes(response, module) {
  const items = ok(response, module, "ActionWrapper").getData();
  for (const item of items) {
    if (!(item instanceof module.SuccessResponse)) {
      throw new Error(`${item.getCode().getValue()}: ${item.getMessage().getValue()}`);
    }
  }
  return items;
}

const Records = ZOHOCRMSDK.Record;

function lead(lastName, email) {
  const record = new Records.Record();
  record.addKeyValue("Last_Name", lastName);
  record.addKeyValue("Company", "Node SDK Works");
  record.addKeyValue("Email", email);
  return record;
}

async function initialize(token) {
  fs.mkdirSync(work, { recursive: true });
  const logger = new ZOHOCRMSDK.LogBuilder()
    .level(ZOHOCRMSDK.Levels.INFO)
    .filePath(path.join(work, "sdk.log"))
    .build();
  const environment = new ZOHOCRMSDK.Environment(base, `${base}/oauth/v2/token`, base);
  const sdkConfig = new ZOHOCRMSDK.SDKConfigBuilder()
    .pickListValidation(false)
    .autoRefreshFields(false)
    .build();
  await (await new ZOHOCRMSDK.InitializeBuilder())
    .environment(environment)
    .token(token)
    .store(new ZOHOCRMSDK.FileStore(path.join(work, "tokens.txt")))
    .SDKConfig(sdkConfig)
    .resourcePath(work)
    .logger(logger)
    .initialize();
}

await check("initialize with a grant token (multipart token request, current user)", async () => {
  const token = new ZOHOCRMSDK.OAuthBuilder()
    .clientId(CLIENT_ID)
    .clientSecret(CLIENT_SECRET)
    .grantToken(await grantCode())
    .build();
  await initialize(token);
  // The first API call makes the SDK generate its token.
  const params = new ZOHOCRMSDK.ParameterMap();
  await params.add(ZOHOCRMSDK.Users.GetUsersParam.TYPE, "CurrentUser");
  const users = ok(
    await new ZOHOCRMSDK.Users.UsersOperations().getUsers(params),
    ZOHOCRMSDK.Users,
    "ResponseWrapper"
  ).getUsers();
  assert(users.length === 1 && users[0].getEmail(), "one current user with an email");
  state.refresh = token.getRefreshToken();
  assert(state.refresh, "the SDK stored no refresh token");
});

await check("initialize with a refresh token", async () => {
  const token = new ZOHOCRMSDK.OAuthBuilder()
    .clientId(CLIENT_ID)
    .clientSecret(CLIENT_SECRET)
    .refreshToken(state.refresh)
    .build();
  await initialize(token);
  const org = ok(
    await new ZOHOCRMSDK.Org.OrgOperations().getOrganization(),
    ZOHOCRMSDK.Org,
    "ResponseWrapper"
  ).getOrg();
  assert(org[0].getId(), "an org with an id");
});

await check("create, get and update one record", async () => {
  const body = new Records.BodyWrapper();
  body.setData([lead("Hopper", "grace@node-sdk.example")]);
  const items = successes(await new Records.RecordOperations("Leads").createRecords(body), Records);
  state.lead = BigInt(items[0].getDetails().get("id"));
  const got = ok(
    await new Records.RecordOperations("Leads").getRecord(state.lead),
    Records,
    "ResponseWrapper"
  ).getData();
  assert(got[0].getKeyValue("Last_Name") === "Hopper", "the created record");
  const change = new Records.Record();
  change.addKeyValue("Company", "Navy");
  const update = new Records.BodyWrapper();
  update.setData([change]);
  successes(await new Records.RecordOperations("Leads").updateRecord(state.lead, update), Records);
});

await check("create 100 records at once", async () => {
  const body = new Records.BodyWrapper();
  body.setData(Array.from({ length: 100 }, (_, i) => lead(`NodeBatch${i}`, `nb${i}@node-sdk.example`)));
  const items = successes(await new Records.RecordOperations("Leads").createRecords(body), Records);
  assert(items.length === 100, `${items.length} answers`);
});

await check("list a page of records", async () => {
  const params = new ZOHOCRMSDK.ParameterMap();
  await params.add(Records.GetRecordsParam.FIELDS, "Last_Name,Email");
  await params.add(Records.GetRecordsParam.PER_PAGE, 200);
  const wrapper = ok(
    await new Records.RecordOperations("Leads").getRecords(params),
    Records,
    "ResponseWrapper"
  );
  assert(wrapper.getData().length === 200, `${wrapper.getData().length} records`);
  assert(wrapper.getInfo().getMoreRecords() === true, "more records");
});

await check("COQL query", async () => {
  const body = new ZOHOCRMSDK.Coql.BodyWrapper();
  body.setSelectQuery("select Last_Name from Leads where Company = 'Node SDK Works' limit 200");
  const rows = ok(
    await new ZOHOCRMSDK.Coql.CoqlOperations().getRecords(body),
    ZOHOCRMSDK.Coql,
    "ResponseWrapper"
  ).getData();
  assert(rows.length === 100, `${rows.length} rows`);
});

await check("record photo: upload, download, delete", async () => {
  const file = path.join(work, "photo.png");
  const content = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  ]);
  fs.writeFileSync(file, content);
  const body = new Records.FileBodyWrapper();
  body.setFile(new ZOHOCRMSDK.StreamWrapper(null, null, file));
  const ops = new Records.RecordOperations("Leads");
  const uploaded = ok(await ops.uploadPhoto(state.lead, body), Records, "SuccessResponse");
  assert(uploaded.getStatus().getValue() === "success", uploaded.getMessage().getValue());
  // The SDK's download handler answers a promise of its FileBodyWrapper.
  const response = await ops.getPhoto(state.lead);
  const download = await response.getObject();
  assert(
    download instanceof Records.FileBodyWrapper,
    `expected FileBodyWrapper, got ${download && download.constructor.name} (HTTP ${response.getStatusCode()})`
  );
  let data = download.getFile().getStream();
  if (!Buffer.isBuffer(data) && data && typeof data[Symbol.asyncIterator] === "function") {
    const chunks = [];
    for await (const chunk of data) chunks.push(Buffer.from(chunk));
    data = Buffer.concat(chunks);
  }
  assert(Buffer.from(data).equals(content), "downloaded photo differs");
  const deleted = ok(await ops.deletePhoto(state.lead), Records, "SuccessResponse");
  assert(deleted.getStatus().getValue() === "success", deleted.getMessage().getValue());
});

await check("delete one record", async () => {
  successes(await new Records.RecordOperations("Leads").deleteRecord(state.lead), Records);
});

const failed = results.filter(([, error]) => error !== null).map(([name]) => name);
const logPath = path.join(work, "sdk.log");
const logged = fs.existsSync(logPath)
  ? fs.readFileSync(logPath, "utf8").split("\n").filter((line) => /\berror\b/i.test(line))
  : [];
if (logged.length > 0) {
  console.log("the SDK logged errors:");
  for (const line of logged) console.log("  " + line);
}
console.log(`${results.length - failed.length} passed, ${failed.length + (logged.length > 0 ? 1 : 0)} failed`);
process.exit(failed.length > 0 || logged.length > 0 ? 1 : 0);
