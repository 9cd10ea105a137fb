#!/usr/bin/env python3
"""Print one page of Zoho CRM Leads through a running zoho-server, over plain HTTP.

Standard library only. Start the server first, for example on the built-in sandbox:

    cargo run --release -p zoho-server -- serve --sandbox

then run:

    python3 examples/leads_page.py [--url http://127.0.0.1:8787/rpc] [--per-page 10]

Set ZOHO_RPC_API_KEY when the server was started with --api-key-env.
"""

import argparse
import json
import os
import sys
import urllib.error
import urllib.request


def call(url, method, params, request_id=1):
    """Send one JSON-RPC 2.0 call; return its result or raise with the server's error."""
    body = json.dumps(
        {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
    ).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    api_key = os.environ.get("ZOHO_RPC_API_KEY")
    if api_key:
        headers["Authorization"] = "Bearer " + api_key
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    if "error" in answer:
        error = answer["error"]
        raise RuntimeError(
            "{} failed with {}: {} {}".format(
                method, error["code"], error["message"], json.dumps(error.get("data"))
            )
        )
    return answer["result"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8787/rpc")
    parser.add_argument("--per-page", type=int, default=10)
    args = parser.parse_args()

    try:
        page = call(
            args.url,
            "crm.getRecords",
            {
                "recordType": "Leads",
                "fields": ["Last_Name", "Company", "Email"],
                "perPage": args.per_page,
            },
        )
    except (urllib.error.URLError, RuntimeError) as error:
        print("error: {}".format(error), file=sys.stderr)
        return 1

    leads = page["data"]
    for lead in leads:
        print(
            "{:>20}  {:<24} {:<28} {}".format(
                lead["id"],
                lead.get("Last_Name") or "",
                lead.get("Company") or "",
                lead.get("Email") or "",
            )
        )
    print(
        "{} leads on this page; more: {}".format(
            len(leads), page["info"].get("more_records")
        )
    )
    return 0 if leads else 1


if __name__ == "__main__":
    sys.exit(main())
