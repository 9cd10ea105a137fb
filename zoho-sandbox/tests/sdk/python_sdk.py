"""Zoho's official Python SDK (zohocrmsdk8-0), unmodified, against the sandbox.

Usage: python python_sdk.py BASE_URL WORK_DIR

Runs the operations real users do and exits non-zero when any of them fails, when the SDK raises,
or when the SDK's own log holds an ERROR line. Prints one line per operation ("ok NAME" or
"FAIL NAME: why") and a closing "N passed, N failed" line.
"""

import json
import os
import sys
import traceback
import urllib.parse
import urllib.request

from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store import FileStore
from zohocrmsdk.src.com.zoho.api.logger import Logger
from zohocrmsdk.src.com.zoho.crm.api import HeaderMap, ParameterMap
from zohocrmsdk.src.com.zoho.crm.api.attachments import (
    AttachmentsOperations,
    FileBodyWrapper as AttachmentFileBody,
    GetAttachmentsParam,
)
from zohocrmsdk.src.com.zoho.crm.api.convert_lead import (
    BodyWrapper as ConvertBody,
    ConvertLeadOperations,
    LeadConverter,
)
from zohocrmsdk.src.com.zoho.crm.api.coql import BodyWrapper as CoqlBody, CoqlOperations
from zohocrmsdk.src.com.zoho.crm.api.dc import DataCenter
from zohocrmsdk.src.com.zoho.crm.api.fields import FieldsOperations, GetFieldsParam
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.modules import ModulesOperations
from zohocrmsdk.src.com.zoho.crm.api.org import OrgOperations
from zohocrmsdk.src.com.zoho.crm.api.record import (
    BodyWrapper,
    DeleteRecordsParam,
    GetRecordsParam,
    Record,
    RecordOperations,
    SearchRecordsParam,
)
from zohocrmsdk.src.com.zoho.crm.api.modules import MinifiedModule
from zohocrmsdk.src.com.zoho.crm.api.notes import (
    BodyWrapper as NotesBody,
    GetNotesParam,
    Note,
    NotesOperations,
    ParentId as NoteParent,
)
from zohocrmsdk.src.com.zoho.crm.api.related_lists import GetRelatedListsParam, RelatedListsOperations
from zohocrmsdk.src.com.zoho.crm.api.related_records import (
    GetRelatedRecordsParam,
    RelatedRecordsOperations,
)
from zohocrmsdk.src.com.zoho.crm.api.record import GetDeletedRecordsParam, RecordCountParam
from zohocrmsdk.src.com.zoho.crm.api.record import FileBodyWrapper as PhotoFileBody
from zohocrmsdk.src.com.zoho.crm.api.sdk_config import SDKConfig
from zohocrmsdk.src.com.zoho.crm.api.tags import (
    ExistingTag,
    ExistingTagRequestWrapper,
    NewTagRequestWrapper,
    Tag,
    TagsOperations,
)
from zohocrmsdk.src.com.zoho.crm.api.users import GetUsersParam, UsersOperations
from zohocrmsdk.src.com.zoho.crm.api.util import StreamWrapper

CLIENT_ID = "1000.SANDBOXCLIENT"
CLIENT_SECRET = "sandbox-secret"
SCOPES = ",".join(
    [
        "ZohoCRM.modules.ALL",
        "ZohoCRM.settings.ALL",
        "ZohoCRM.users.ALL",
        "ZohoCRM.org.ALL",
        "ZohoCRM.coql.READ",
    ]
)

base, work = sys.argv[1], sys.argv[2]
results = []


def grant_code():
    """A grant token from the sandbox's self client, as a developer copies it from Zoho's console."""
    data = urllib.parse.urlencode({"scope": SCOPES, "client_id": CLIENT_ID}).encode()
    with urllib.request.urlopen(base + "/__sandbox/self-client", data) as answer:
        return json.load(answer)["code"]


def check(name):
    def run(step):
        try:
            step()
            results.append((name, None))
            print("ok", name, flush=True)
        except Exception as error:  # the SDK raises SDKException and plain errors alike
            results.append((name, error))
            print("FAIL", name + ":", repr(error), flush=True)
            traceback.print_exc()
        return step

    return run


def ok(response, wrapper):
    """The response's object, which must be of the named class; Zoho's errors raise with their code."""
    assert response is not None, "no response"
    obj = response.get_object()
    kind = type(obj).__name__
    if kind == "APIException":
        raise AssertionError(
            f"{response.get_status_code()} {obj.get_code().get_value()}: "
            f"{obj.get_message().get_value()} {obj.get_details()}"
        )
    assert kind == wrapper, f"expected {wrapper}, got {kind} (HTTP {response.get_status_code()})"
    return obj


def action_items(response, wrapper="ActionWrapper"):
    """The per-record answers of a write, each of which must be a success."""
    items = ok(response, wrapper).get_data()
    for item in items:
        kind = type(item).__name__
        if kind != "SuccessResponse":
            raise AssertionError(
                f"{kind} {item.get_code().get_value()}: {item.get_message().get_value()} {item.get_details()}"
            )
    return items


def lead(last_name, **values):
    record = Record()
    record.add_key_value("Last_Name", last_name)
    record.add_key_value("Company", values.pop("company", "SDK Works"))
    for key, value in values.items():
        record.add_key_value(key, value)
    return record


def initialize(token):
    os.makedirs(work, exist_ok=True)
    logger = Logger.get_instance(level=Logger.Levels.INFO, file_path=os.path.join(work, "sdk.log"))
    environment = DataCenter.Environment(base, base + "/oauth/v2/token", base)
    Initializer.initialize(
        environment=environment,
        token=token,
        store=FileStore(os.path.join(work, "tokens.csv")),
        sdk_config=SDKConfig(auto_refresh_fields=False, pick_list_validation=False),
        logger=logger,
        resource_path=work,
    )


state = {}


@check("initialize with a grant token (token exchange, users?type=CurrentUser)")
def _():
    token = OAuthToken(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, grant_token=grant_code())
    initialize(token)
    state["refresh"] = token.get_refresh_token()
    assert state["refresh"], "the SDK stored no refresh token"


@check("initialize with a refresh token")
def _():
    token = OAuthToken(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token=state["refresh"]
    )
    initialize(token)
    assert token.get_access_token(), "no access token from the refresh token"


@check("current user")
def _():
    params = ParameterMap()
    params.add(GetUsersParam.type, "CurrentUser")
    users = ok(UsersOperations().get_users(params), "ResponseWrapper").get_users()
    assert len(users) == 1 and users[0].get_email(), "one current user with an email"


@check("all users")
def _():
    users = ok(UsersOperations().get_users(), "ResponseWrapper").get_users()
    assert len(users) >= 2, f"expected the sandbox's users, got {len(users)}"


@check("organization")
def _():
    orgs = ok(OrgOperations().get_organization(), "ResponseWrapper").get_org()
    assert orgs[0].get_id() and orgs[0].get_company_name(), "an org with id and name"


@check("modules metadata")
def _():
    modules = ok(ModulesOperations().get_modules(), "ResponseWrapper").get_modules()
    names = {m.get_api_name() for m in modules}
    assert {"Leads", "Contacts", "Accounts", "Deals"} <= names, names


@check("fields metadata")
def _():
    params = ParameterMap()
    params.add(GetFieldsParam.module, "Leads")
    fields = ok(FieldsOperations().get_fields(params), "ResponseWrapper").get_fields()
    assert "Last_Name" in {f.get_api_name() for f in fields}


@check("create one record")
def _():
    body = BodyWrapper()
    body.set_data([lead("Lovelace", Email="ada@sdk.example")])
    items = action_items(RecordOperations("Leads").create_records(body))
    state["lead"] = int(items[0].get_details()["id"])


@check("get one record")
def _():
    params = ParameterMap()
    params.add(GetRecordsParam.fields, "Last_Name,Email")
    records = ok(RecordOperations("Leads").get_record(state["lead"], params), "ResponseWrapper").get_data()
    assert records[0].get_key_value("Last_Name") == "Lovelace"


@check("update one record (numeric id in the body, as the SDK sends it)")
def _():
    record = Record()
    record.add_key_value("Email", "ada.lovelace@sdk.example")
    body = BodyWrapper()
    body.set_data([record])
    action_items(RecordOperations("Leads").update_record(state["lead"], body))


@check("create 100 records at once")
def _():
    body = BodyWrapper()
    body.set_data([lead(f"Batch{i:03}", Email=f"batch{i}@sdk.example") for i in range(100)])
    items = action_items(RecordOperations("Leads").create_records(body))
    assert len(items) == 100, len(items)
    state["batch"] = [int(item.get_details()["id"]) for item in items]


@check("update 100 records at once")
def _():
    records = []
    for record_id in state["batch"]:
        record = Record()
        record.set_id(record_id)
        record.add_key_value("Company", "SDK Batch")
        records.append(record)
    body = BodyWrapper()
    body.set_data(records)
    assert len(action_items(RecordOperations("Leads").update_records(body))) == 100


@check("upsert (insert then update)")
def _():
    body = BodyWrapper()
    body.set_data([lead("Upserted", Email="upsert@sdk.example")])
    body.set_duplicate_check_fields(["Email"])
    first = action_items(RecordOperations("Leads").upsert_records(body))
    second = action_items(RecordOperations("Leads").upsert_records(body))
    assert first[0].get_details()["id"] == second[0].get_details()["id"], "the same record"
    actions = (first[0].get_code().get_value(), second[0].get_code().get_value())
    assert actions[0] != actions[1] or first[0].get_status().get_value() == "success", actions


@check("search by email")
def _():
    params = ParameterMap()
    params.add(SearchRecordsParam.email, "upsert@sdk.example")
    records = ok(RecordOperations("Leads").search_records(params), "ResponseWrapper").get_data()
    assert len(records) == 1, len(records)


@check("search by criteria")
def _():
    params = ParameterMap()
    params.add(SearchRecordsParam.criteria, "(Company:equals:SDK Batch)")
    params.add(SearchRecordsParam.per_page, 200)
    records = ok(RecordOperations("Leads").search_records(params), "ResponseWrapper").get_data()
    assert len(records) == 100, len(records)


@check("page past 2,000 records with page_token")
def _():
    seen = set()
    token = None
    page = 1
    while True:
        params = ParameterMap()
        params.add(GetRecordsParam.fields, "Last_Name")
        params.add(GetRecordsParam.per_page, 200)
        if token:
            params.add(GetRecordsParam.page_token, token)
        else:
            params.add(GetRecordsParam.page, page)
        wrapper = ok(RecordOperations("Leads").get_records(params), "ResponseWrapper")
        for record in wrapper.get_data():
            seen.add(record.get_id())
        info = wrapper.get_info()
        if not info.get_more_records():
            break
        if page < 10:
            page += 1
        else:
            token = info.get_next_page_token()
            assert token, "no next_page_token after 2,000 records"
    assert len(seen) > 2000, f"only {len(seen)} records"
    state["all_leads"] = len(seen)


@check("COQL query")
def _():
    body = CoqlBody()
    body.set_select_query("select Last_Name, Email from Leads where Company = 'SDK Batch' limit 200")
    records = ok(CoqlOperations().get_records(body), "ResponseWrapper").get_data()
    assert len(records) == 100, len(records)


@check("attachments: upload, list, download")
def _():
    path = os.path.join(work, "notes.txt")
    content = b"attached by the official SDK\n\x00\x01\xff"
    with open(path, "wb") as file:
        file.write(content)
    body = AttachmentFileBody()
    body.set_file(StreamWrapper(file_path=path))
    ops = AttachmentsOperations()
    items = action_items(ops.upload_attachments(state["lead"], "Leads", body))
    attachment = int(items[0].get_details()["id"])
    params = ParameterMap()
    params.add(GetAttachmentsParam.fields, "id,File_Name__s,Size__s")
    listed = ok(ops.get_attachments(state["lead"], "Leads", params), "ResponseWrapper").get_data()
    assert attachment in {a.get_id() for a in listed}, "the upload is listed"
    download = ok(ops.get_attachment(attachment, state["lead"], "Leads"), "FileBodyWrapper")
    stream = download.get_file().get_stream()
    data = b"".join(stream.iter_content(8192)) if hasattr(stream, "iter_content") else stream.read()
    assert data == content, "downloaded bytes differ"


@check("record photo: upload, download, delete")
def _():
    path = os.path.join(work, "photo.png")
    content = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    with open(path, "wb") as file:
        file.write(content)
    body = PhotoFileBody()
    body.set_file(StreamWrapper(file_path=path))
    ops = RecordOperations("Leads")
    uploaded = ok(ops.upload_photo(state["lead"], body), "SuccessResponse")
    assert uploaded.get_status().get_value() == "success", uploaded.get_message().get_value()
    download = ok(ops.get_photo(state["lead"]), "FileBodyWrapper")
    stream = download.get_file().get_stream()
    data = b"".join(stream.iter_content(8192)) if hasattr(stream, "iter_content") else stream.read()
    assert data == content, "downloaded photo differs"
    deleted = ok(ops.delete_photo(state["lead"]), "SuccessResponse")
    assert deleted.get_status().get_value() == "success", deleted.get_message().get_value()


@check("tags: add to one record, to many, remove")
def _():
    ops = TagsOperations()
    hot = Tag()
    hot.set_name("Hot")
    request = NewTagRequestWrapper()
    request.set_tags([hot])
    answer = ok(ops.add_tags("Leads", state["lead"], request), "RecordActionWrapper")
    assert type(answer.get_data()[0]).__name__ == "RecordSuccessResponse", answer.get_data()
    many = NewTagRequestWrapper()
    many.set_tags([hot])
    many.set_ids(state["batch"][20:25])
    answer = ok(ops.add_tags_to_multiple_records("Leads", many), "RecordActionWrapper")
    assert len(answer.get_data()) == 5
    params = ParameterMap()
    params.add(GetRecordsParam.fields, "Tag")
    record = ok(RecordOperations("Leads").get_record(state["batch"][20], params), "ResponseWrapper").get_data()[0]
    assert [t.get_name() for t in record.get_key_value("Tag")] == ["Hot"], record.get_key_value("Tag")
    existing = ExistingTag()
    existing.set_name("Hot")
    removal = ExistingTagRequestWrapper()
    removal.set_tags([existing])
    ok(ops.remove_tags("Leads", state["lead"], removal), "RecordActionWrapper")


@check("notes: add under a record, list them")
def _():
    module = MinifiedModule()
    module.set_api_name("Leads")
    parent = NoteParent()
    parent.set_module(module)
    parent.set_id(state["lead"])
    note = Note()
    note.set_note_title("Call")
    note.set_note_content("Called about the SDK")
    note.set_parent_id(parent)
    body = NotesBody()
    body.set_data([note])
    action_items(NotesOperations().create_notes(body))
    params = ParameterMap()
    params.add(GetNotesParam.fields, "Note_Title,Note_Content,Parent_Id")
    notes = ok(NotesOperations().get_notes(params), "ResponseWrapper").get_data()
    assert any(n.get_note_content() == "Called about the SDK" for n in notes)


@check("related lists and related records")
def _():
    params = ParameterMap()
    params.add(GetRelatedListsParam.module, "Leads")
    lists = ok(RelatedListsOperations().get_related_lists(params), "ResponseWrapper").get_related_lists()
    assert "Notes" in {l.get_api_name() for l in lists}, [l.get_api_name() for l in lists]
    params = ParameterMap()
    params.add(GetRelatedRecordsParam.fields, "Note_Title,Note_Content")
    related = ok(
        RelatedRecordsOperations("Notes", "Leads").get_related_records(state["lead"], params),
        "ResponseWrapper",
    ).get_data()
    assert len(related) == 1, len(related)


@check("count records")
def _():
    params = ParameterMap()
    params.add(RecordCountParam.criteria, "(Company:equals:SDK Batch)")
    count = ok(RecordOperations("Leads").record_count(params), "CountWrapper").get_count()
    assert count == 100, count


@check("convert a lead")
def _():
    converter = LeadConverter()
    converter.set_overwrite(True)
    body = ConvertBody()
    body.set_data([converter])
    answers = ok(ConvertLeadOperations(state["lead"]).convert_lead(body), "ActionWrapper").get_data()
    kind = type(answers[0]).__name__
    assert kind == "SuccessResponse", kind
    details = answers[0].get_details()
    assert details.get("Contacts"), f"no contact in {details}"


@check("delete one record")
def _():
    action_items(RecordOperations("Leads").delete_record(state["batch"][0]))


@check("delete many records")
def _():
    params = ParameterMap()
    params.add(DeleteRecordsParam.ids, ",".join(str(i) for i in state["batch"][1:10]))
    assert len(action_items(RecordOperations("Leads").delete_records(params))) == 9


@check("deleted records")
def _():
    params = ParameterMap()
    params.add(GetDeletedRecordsParam.type, "recycle")
    deleted = ok(RecordOperations("Leads").get_deleted_records(params), "DeletedRecordsWrapper").get_data()
    assert {d.get_id() for d in deleted} >= set(state["batch"][0:10]), "the deleted records are listed"


failed = [name for name, error in results if error is not None]
with open(os.path.join(work, "sdk.log")) as log:
    logged = [line.rstrip() for line in log if " - ERROR - " in line]
if logged:
    print("the SDK logged errors:")
    for line in logged:
        print("  " + line)
print(f"{len(results) - len(failed)} passed, {len(failed) + (1 if logged else 0)} failed")
sys.exit(1 if failed or logged else 0)
