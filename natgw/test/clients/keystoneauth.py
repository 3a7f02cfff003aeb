"""Drives natgw with OpenStack's keystoneauth1, as an OpenStack client would.

Prints one JSON line per step; the Node test reads them. Usage: keystoneauth.py <base-url>
"""
import json
import logging
import sys

from keystoneauth1 import discover, exceptions, session
from keystoneauth1.identity import generic, v3

base = sys.argv[1]
auth = v3.Password(
    auth_url=f"{base}/v3",
    username="demo",
    password="demo-password",
    user_domain_name="Default",
    project_name="demo",
    project_domain_name="Default",
)
sess = session.Session(auth=auth)
nat = {"service_type": "nat", "interface": "public"}


def report(step, **fields):
    print(json.dumps({"step": step, **fields}), flush=True)


class Warnings(logging.Handler):
    """What keystoneauth warns about, such as a failed version discovery."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


warnings = Warnings()
logging.getLogger("keystoneauth").addHandler(warnings)

# The generic Password plugin (the one openstacksdk uses) discovers the identity version first,
# from the auth URL as given: the versioned /v3, and the root.
for step, auth_url in [("discover-v3", f"{base}/v3"), ("discover-root", base)]:
    warnings.messages.clear()
    try:
        plugin = generic.Password(auth_url=auth_url, username="demo", password="demo-password",
                                  user_domain_name="Default", project_name="demo", project_domain_name="Default")
        discovery_session = session.Session(auth=plugin)
        project = plugin.get_project_id(discovery_session)
        report(step, project=project, warnings=list(warnings.messages),
               versions=[v["id"] for v in discover.get_version_data(discovery_session, auth_url)])
    except exceptions.ClientException as error:
        report(step, raised=type(error).__name__, message=str(error), warnings=list(warnings.messages))


report("endpoint", url=sess.get_endpoint(**nat), project=auth.get_project_id(sess))

created = sess.post(
    "/v2.0/nat_gateways",
    endpoint_filter=nat,
    json={
        "nat_gateway": {
            "name": "ks_nat",
            "router_id": "d84f345c-80a1-4fa2-a39c-d0d397c3f09a",
            "internal_network_id": "89d66639-aacb-4929-969d-07080b0f9fd9",
            "spec": "1",
        }
    },
)
gateway = created.json()["nat_gateway"]
report("create", status=created.status_code, id=gateway["id"], location=created.headers.get("Location"))
rule = sess.post("/v2.0/snat_rules", endpoint_filter=nat, json={"snat_rule": {
    "nat_gateway_id": gateway["id"], "network_id": "eaad9cd6-2372-4be1-9535-9bd37210ae7b",
    "floating_ip_id": "bdc10a4c-d81a-41ec-adf7-de857f7c812a"}}).json()["snat_rule"]

for step, call in [
    ("not-found", lambda: sess.get("/v2.0/nat_gateways/0f0f0f0f-0000-4000-8000-000000000000", endpoint_filter=nat)),
    ("in-use", lambda: sess.delete(f"/v2.0/nat_gateways/{gateway['id']}", endpoint_filter=nat)),
    ("bad-request", lambda: sess.post("/v2.0/nat_gateways", endpoint_filter=nat, json={"nat_gateway": {"name": "x"}})),
    ("method", lambda: sess.post(f"/v2.0/nat_gateways/{gateway['id']}", endpoint_filter=nat, json={})),
]:
    try:
        call()
        report(step, raised=None)
    except exceptions.HttpError as error:
        report(step, raised=type(error).__name__, http_status=error.http_status,
               message=error.message, details=error.details, request_id=error.request_id)

sess.delete(f"/v2.0/snat_rules/{rule['id']}", endpoint_filter=nat)
deleted = sess.delete(f"/v2.0/nat_gateways/{gateway['id']}", endpoint_filter=nat)
report("delete", status=deleted.status_code, body=deleted.text)

try:
    v3.Password(auth_url=f"{base}/v3", username="demo", password="wrong", user_domain_name="Default",
                project_name="demo", project_domain_name="Default").get_token(session.Session())
    report("bad-password", raised=None)
except exceptions.HttpError as error:
    report("bad-password", raised=type(error).__name__, http_status=error.http_status, message=error.message)
