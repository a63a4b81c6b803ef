"""Scenario: luigi.contrib.salesforce against a fake Salesforce on loopback (salesforce_server,
reached over HTTPS through a proxy): QuerySalesforce steps (one result, results merged, the query
in a file, a sandbox, a failed batch, XML results it cannot merge), then SalesforceAPI's calls on
their own: REST queries and resources, jobs, batch states, deprecated results, refused logins."""

import json
import os
import warnings

import luigi
from luigi.contrib.salesforce import QuerySalesforce, SalesforceAPI, ensure_utf, parse_results


def error(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except Exception as e:
        return [type(e).__name__, str(e).split("\n")[0]]
    return None


class Query(QuerySalesforce):
    name = luigi.Parameter()
    object_name = "Contact"
    soql = "SELECT Id, Name FROM Contact"

    def output(self):
        return luigi.LocalTarget(f"out/{self.name}.csv")


class Leads(Query):
    object_name = "Lead"
    soql = "SELECT Id, Email FROM Lead"


class FromFile(Query):
    is_soql_file = True
    soql = "query.soql"


class InSandbox(Query):
    use_sandbox = True
    sandbox_name = "dev"


class NoSandboxName(Query):
    use_sandbox = True


class Broken(Query):
    soql = "SELECT Id FROM Broken"


class AsXml(Query):
    object_name = "Opportunity"
    soql = "SELECT Id FROM Opportunity"
    content_type = "XML"


os.makedirs("out", exist_ok=True)  # the step writes to its output's path as it is
with open("query.soql", "w") as f:
    f.write("SELECT Id, Name FROM Contact WHERE Name != null")
steps = {
    name: luigi.build([cls(name=name)], local_scheduler=True)
    for name, cls in [
        ("contacts", Query),
        ("leads", Leads),
        ("from_file", FromFile),
        ("sandbox", InSandbox),
        ("no_name", NoSandboxName),
        ("broken", Broken),
        ("xml", AsXml),
    ]
}
for name in ("contacts", "leads", "from_file", "sandbox"):
    with open(f"out/{name}.csv") as f:
        steps[f"{name}_csv"] = f.read()

sf = SalesforceAPI("user", "secret", "TOKEN")
job = sf.create_operation_job("upsert", "Account", external_id_field_name="Ext__c", content_type="CSV")
api = {
    "job": job,
    "session": [sf.session_id, sf.server_url, sf.hostname, sf.has_active_session()],
    "again": error(sf.start_session),
    "query": sf.query("SELECT Id, Name FROM Contact")["nextRecordsUrl"],
    "more": sf.query_more("/services/data/v34.0/query/01gNEXT-1", identifier_is_url=True)["done"],
    "more_by_id": error(sf.query_more, "01gNEXT-1"),
    "restful": [
        sf.restful("/sobjects/Account/describe", {"depth": "1"}),
        sf.restful("/sobjects/Empty", {}),
        error(sf.restful, "/sobjects/Missing", {}),
    ],
    "details": sf.get_job_details(job).status_code,
    "aborted": sf.abort_job(job).status_code,
}
batch = sf.create_batch(job, "SELECT Id FROM Slow", "CSV")
api["slow"] = sf.block_on_batch(job, batch, sleep_time_seconds=0.01)
never = sf.create_batch(job, "SELECT Id FROM Never", "CSV")
api["never"] = error(sf.block_on_batch, job, never, sleep_time_seconds=0.01, max_wait_time_seconds=0.05)
contacts = sf.create_batch(job, "SELECT Id FROM Contact", "XML")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    api["deprecated"] = [sf.get_batch_results(job, contacts), [str(w.message) for w in caught]]
api["closed"] = sf.close_job(job).status_code

fresh = SalesforceAPI("user", "secret", "TOKEN")
refused = {
    "close": error(fresh.close_job, "750J0"),
    "batch": error(fresh.create_batch, "750J0", "x", "CSV"),
    "block": error(fresh.block_on_batch, "750J0", "751B0"),
    "password": error(SalesforceAPI("user", "wrong", "TOKEN").start_session),
    "no_session": error(SalesforceAPI("nosession", "secret", "TOKEN").start_session),
    "twice": error(SalesforceAPI("twice", "secret", "TOKEN").start_session),
    "sandbox_user": SalesforceAPI("user", "p", "t", "sb", "dev").username,
}
record = {"Id": "003A", "attributes": {"type": "Contact"}, "Account": {"Name": "Acme", "Tags": ["x"]}}
pure = {
    "ensure_utf": [repr(ensure_utf("é")), ensure_utf(3)],
    "parse_results": repr(parse_results(["Id", "Account.Name", "Missing"], {"records": [record]})),
}
print(json.dumps({"steps": steps, "api": api, "refused": refused, "pure": pure}))
