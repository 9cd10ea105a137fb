// A plain Node axios loop: the same GET the server makes, with the same bearer token, as the
// component platforms call Zoho. Usage:
// AXIOS_DIR=DIR node axios_loop.mjs BASE_URL RECORD_ID TOKEN_FILE SECONDS CONCURRENCY[,...]
// where DIR/node_modules holds axios. Prints one JSON line per concurrency.

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { measure } from "./measure.mjs";

const [base, recordId, tokenFile, seconds, concurrencies] = process.argv.slice(2);
const axios = (
  await import(pathToFileURL(path.join(process.env.AXIOS_DIR, "node_modules/axios/index.js")).href)
).default;
const headers = { Authorization: `Zoho-oauthtoken ${fs.readFileSync(tokenFile, "utf8").trim()}` };
const url = `${base}/crm/v3/Leads/${recordId}`;

async function oneCall() {
  const answer = await axios.get(url, { headers });
  if (answer.data.data[0].id !== recordId) throw new Error("another record came back");
}

await measure(oneCall, Number(seconds), concurrencies);
