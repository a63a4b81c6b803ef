"""Our CRM pull goes through luigi.contrib.salesforce's API client; Salesforce is mocked at requests."""

from unittest import mock

import pytest
from luigi.contrib import salesforce

LOGIN = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
                  xmlns="urn:partner.soap.sforce.com">
 <soapenv:Body><loginResponse><result>
  <serverUrl>https://acme.my.salesforce.com/services/Soap/u/34.0/00D</serverUrl>
  <sessionId>SESSION-1</sessionId>
 </result></loginResponse></soapenv:Body></soapenv:Envelope>"""

@pytest.fixture
def sf():
    with mock.patch("requests.post") as post, mock.patch("requests.get") as get:
        post.return_value.text = LOGIN
        get.return_value.status_code = 200
        get.return_value.json.return_value = {"totalSize": 1, "done": True, "records": [
            {"attributes": {"type": "Account"}, "Id": "001", "Name": "Acme",
             "Owner": {"attributes": {"type": "User"}, "Email": "ann@acme.test"}}]}
        yield mock.Mock(post=post, get=get)


def test_session_from_the_login_reply(sf):
    api = salesforce.SalesforceAPI("etl@acme.test", "pw", "token")
    api.start_session()
    assert (api.session_id, api.hostname) == ("SESSION-1", "acme.my.salesforce.com")
    url = sf.post.call_args.args[0]
    assert url == "https://login.salesforce.com/services/Soap/u/34.0"
    assert sf.post.call_args.kwargs["headers"] == {"Content-Type": "text/xml; charset=UTF-8",
                                                   "SOAPAction": "login"}
    body = sf.post.call_args.kwargs["data"]
    assert "etl@acme.test" in body and "pwtoken" in body


def test_sandbox_login(sf):
    api = salesforce.SalesforceAPI("etl@acme.test", "pw", "token", sb_token="sbtok", sandbox_name="qa")
    api.start_session()
    assert api.username == "etl@acme.test.qa"
    assert sf.post.call_args.args[0].startswith("https://test.salesforce.com/")


def test_second_session_is_refused(sf):
    api = salesforce.SalesforceAPI("u", "p", "t")
    api.start_session()
    with pytest.raises(Exception, match="already in progress"):
        api.start_session()


def test_query_and_parse(sf):
    api = salesforce.SalesforceAPI("u", "p", "t")
    api.start_session()
    data = api.query("SELECT Id FROM Account")
    assert sf.get.call_args.args[0] == "https://acme.my.salesforce.com/services/data/v34.0/query"
    assert sf.get.call_args.kwargs["params"] == {"q": "SELECT Id FROM Account"}
    assert sf.get.call_args.kwargs["headers"] == {"Authorization": "Bearer SESSION-1",
                                                  "Content-Type": "application/json"}
    # (get_soql_fields is not used: Luigi 3.8.1's pattern puts (?s) mid-expression, which Python
    # 3.11's re refuses)
    fields = ["Id", "Name", "Owner.Email"]
    assert salesforce.parse_results(fields, data) == [[b"001", b"Acme", b"ann@acme.test"]]


def test_failed_query_raises(sf):
    sf.get.return_value.status_code = 500
    sf.get.return_value.content = b"INVALID_FIELD"
    api = salesforce.SalesforceAPI("u", "p", "t")
    api.start_session()
    with pytest.raises(Exception, match="INVALID_FIELD"):
        api.query("SELECT Nope FROM Account")
