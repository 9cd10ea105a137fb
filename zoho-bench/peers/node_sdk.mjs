// Zoho's official Node SDK (@zohocrm/nodejs-sdk-8.0), unmodified, fetching one Lead again and again.
//
// Usage: SDK_DIR=DIR node node_sdk.mjs BASE_URL WORK_DIR RECORD_ID SECONDS CONCURRENCY[,...]
//
// Run by `cargo xtask bench` (the peers section), with a refresh token in
// ZOHO_BENCH_REFRESH_TOKEN. Initializes the SDK as its README says (a refresh token, a file token
// store, INFO logging to a file), warms up, then for
// each concurrency runs that many async workers calling
// `new RecordOperations("Leads").getRecord(id)` for SECONDS and prints one JSON line.

import path from "node:path";
import fs from "node:fs";
import { pathToFileURL } from "node:url";
import { measure } from "./measure.mjs";

const [base, work, recordId, seconds, concurrencies] = process.argv.slice(2);
const ZOHOCRMSDK = await import(
  pathToFileURL(path.join(process.env.SDK_DIR, "node_modules/@zohocrm/nodejs-sdk-8.0/lib/index.js")).href
);
const CLIENT_ID = "1000.SANDBOXCLIENT";
const token = new ZOHOCRMSDK.OAuthBuilder()
  .clientId(CLIENT_ID)
  .clientSecret("sandbox-secret")
  .refreshToken(process.env.ZOHO_BENCH_REFRESH_TOKEN)
  .build();
fs.mkdirSync(work, { recursive: true });
await (await new ZOHOCRMSDK.InitializeBuilder())
  .environment(new ZOHOCRMSDK.Environment(base, `${base}/oauth/v2/token`, base))
  .token(token)
  .store(new ZOHOCRMSDK.FileStore(path.join(work, "tokens.txt")))
  .SDKConfig(new ZOHOCRMSDK.SDKConfigBuilder().pickListValidation(false).autoRefreshFields(false).build())
  .resourcePath(work)
  .logger(new ZOHOCRMSDK.LogBuilder().level(ZOHOCRMSDK.Levels.INFO).filePath(path.join(work, "sdk.log")).build())
  .initialize();

const id = BigInt(recordId);
async function oneCall() {
  const response = await new ZOHOCRMSDK.Record.RecordOperations("Leads").getRecord(id);
  const object = response.getObject();
  if (!(object instanceof ZOHOCRMSDK.Record.ResponseWrapper) || String(object.getData()[0].getId()) !== recordId) {
    throw new Error(`no record: HTTP ${response.getStatusCode()}`);
  }
}

await measure(oneCall, Number(seconds), concurrencies);
