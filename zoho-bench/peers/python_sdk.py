"""Zoho's official Python SDK (zohocrmsdk8-0), unmodified, fetching one Lead again and again.

Usage: python python_sdk.py BASE_URL WORK_DIR RECORD_ID SECONDS CONCURRENCY[,CONCURRENCY...]

Run by `cargo xtask bench` (the peers section), with a refresh token in ZOHO_BENCH_REFRESH_TOKEN.
Initializes the SDK as its README says (a refresh token, a file token store, INFO logging to a
file), warms up, then for each
concurrency runs that many threads calling `RecordOperations("Leads").get_record(id)` for SECONDS
and prints one JSON line: calls, seconds, this process's CPU in that window, p50/p99, failures.
"""

import json
import os
import resource
import sys
import threading
import time

from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.api.authenticator.store import FileStore
from zohocrmsdk.src.com.zoho.api.logger import Logger
from zohocrmsdk.src.com.zoho.crm.api.dc import DataCenter
from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer
from zohocrmsdk.src.com.zoho.crm.api.record import RecordOperations
from zohocrmsdk.src.com.zoho.crm.api.sdk_config import SDKConfig

CLIENT_ID = "1000.SANDBOXCLIENT"
CLIENT_SECRET = "sandbox-secret"

base, work, record_id, seconds, concurrencies = sys.argv[1:6]
record_id, seconds = int(record_id), float(seconds)


os.makedirs(work, exist_ok=True)
Initializer.initialize(
    environment=DataCenter.Environment(base, base + "/oauth/v2/token", base),
    token=OAuthToken(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        refresh_token=os.environ["ZOHO_BENCH_REFRESH_TOKEN"],
    ),
    store=FileStore(os.path.join(work, "tokens.csv")),
    sdk_config=SDKConfig(auto_refresh_fields=False, pick_list_validation=False),
    logger=Logger.get_instance(level=Logger.Levels.INFO, file_path=os.path.join(work, "sdk.log")),
    resource_path=work,
)


def one_call():
    """One get_record; an error unless the Lead came back."""
    response = RecordOperations("Leads").get_record(record_id)
    data = response.get_object().get_data()
    if str(data[0].get_id()) != str(record_id):
        raise AssertionError("another record came back")


def cpu_us():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1e6


for _ in range(20):
    one_call()

for concurrency in [int(c) for c in concurrencies.split(",")]:
    latencies, failures, lock = [], [], threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        mine, failed = [], []
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            try:
                one_call()
                mine.append((time.perf_counter() - sent) * 1e6)
            except Exception as error:  # the SDK raises SDKException and plain errors alike
                failed.append(repr(error))
        with lock:
            latencies.extend(mine)
            failures.extend(failed)

    cpu_before, started = cpu_us(), time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, cpu_us() - cpu_before
    latencies.sort()
    pick = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] if latencies else 0
    print(json.dumps({
        "concurrency": concurrency, "calls": len(latencies), "seconds": elapsed, "cpu_us": cpu,
        "p50_us": pick(0.5), "p99_us": pick(0.99), "failed": len(failures),
        "first_failure": failures[0] if failures else None,
    }), flush=True)
