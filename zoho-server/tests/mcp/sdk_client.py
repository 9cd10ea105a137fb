"""An MCP client nobody here wrote: the official Python SDK (`mcp` on PyPI), against zoho-server.

Connects over stdio (launching `zoho-server mcp --sandbox`) or Streamable HTTP (`--url`),
lists the tools and calls a read, a write and a read of what was written, then prints one JSON
report on stdout. It asserts nothing about the tools itself: the Rust test that runs it compares
the report with the spec, so the expectations live in one place.

    python sdk_client.py --stdio /path/to/zoho-server
    python sdk_client.py --url http://127.0.0.1:8787/mcp
"""

import argparse
import asyncio
import json
import sys

from mcp import Client
from mcp.client.stdio import StdioServerParameters


# Bytes no text encoding could carry, so a download that went through text would show.
BYTES = "AAEC/4CBgv8="


def dump(model):
    return model.model_dump(by_alias=True, mode="json", exclude_none=True)


async def session(server):
    report = {}
    async with Client(server) as client:
        init = client.session.initialize_result
        report["protocolVersion"] = init.protocol_version if init else None
        report["serverInfo"] = dump(init.server_info) if init else None
        listed = await client.list_tools()
        report["tools"] = [dump(tool) for tool in listed.tools]
        report["nextCursor"] = listed.next_cursor
        await client.session.send_ping()

        calls = {}
        calls["read"] = dump(
            await client.call_tool(
                "crm.getRecords",
                {"recordType": "Leads", "fields": ["Last_Name", "Email"]},
            )
        )
        calls["write"] = dump(
            await client.call_tool(
                "crm.createRecord",
                {"recordType": "Leads", "values": {"Last_Name": "Lovelace", "Email": "ada@example.com"}},
            )
        )
        written = calls["write"].get("structuredContent") or {}
        record_id = (written.get("details") or {}).get("id")
        if record_id:
            calls["readBack"] = dump(
                await client.call_tool("crm.getRecord", {"recordType": "Leads", "recordId": record_id})
            )
            calls["attach"] = dump(
                await client.call_tool(
                    "crm.addAttachment",
                    {"recordType": "Leads", "recordId": record_id, "file": {"base64": BYTES}, "fileName": "b.bin"},
                )
            )
            attachment_id = ((calls["attach"].get("structuredContent") or {}).get("details") or {}).get("id")
            if attachment_id:
                calls["download"] = dump(
                    await client.call_tool(
                        "crm.rawRequest",
                        {
                            "url": f"/Leads/{record_id}/Attachments/{attachment_id}",
                            "method": "GET",
                            "responseType": "binary",
                        },
                    )
                )
            calls["update"] = dump(
                await client.call_tool(
                    "crm.updateRecord", {"recordType": "Leads", "recordId": record_id, "values": {"Company": "Analytical"}}
                )
            )
        calls["coql"] = dump(
            await client.call_tool("crm.coqlQuery", {"query": "select Last_Name from Leads where Last_Name is not null limit 3"})
        )
        calls.update(await books(client))
        calls["refused"] = dump(
            await client.call_tool("crm.createRecord", {"recordType": "Leads", "values": {"Email": "x@example.com"}})
        )
        calls["missing"] = dump(
            await client.call_tool("crm.getRecord", {"recordType": "Leads", "recordId": "1"})
        )
        report["calls"] = calls
    return report


async def books(client):
    """A Books record's life: the SDK checks each typed result against the tool's outputSchema."""
    calls = {}
    organizations = await client.call_tool("books.rawRequest", {"url": "/organizations", "method": "GET"})
    org = json.loads(organizations.content[0].text)["organizations"][0]["organization_id"]
    where = {"recordType": "contacts", "organizationId": org}
    calls["books.getRecords"] = dump(await client.call_tool("books.getRecords", where))
    created = await client.call_tool("books.createRecord", {**where, "values": {"contact_name": "Babbage Ltd"}})
    calls["books.createRecord"] = dump(created)
    contact = (created.structured_content or {}).get("contact_id")
    if contact:
        one = {**where, "recordId": contact}
        calls["books.getRecord"] = dump(await client.call_tool("books.getRecord", one))
        calls["books.updateRecord"] = dump(
            await client.call_tool("books.updateRecord", {**one, "values": {"contact_name": "Babbage & Co"}})
        )
        calls["books.removeRecord"] = dump(await client.call_tool("books.removeRecord", one))
    return calls


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--stdio", metavar="ZOHO_SERVER", help="the zoho-server binary to launch")
    where.add_argument("--url", help="the /mcp URL of a running zoho-server serve")
    args = parser.parse_args()
    if args.stdio:
        server = StdioServerParameters(command=args.stdio, args=["mcp", "--sandbox", "--sandbox-records", "30"])
    else:
        server = args.url
    # A server that stops answering fails the test rather than hanging it.
    report = asyncio.run(asyncio.wait_for(session(server), timeout=60))
    report["sentBytes"] = BYTES
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
