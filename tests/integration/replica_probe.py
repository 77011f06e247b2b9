"""Run by test_replica_serves_reports.py in its own process, with DATABASE_URL (primary) and
DATABASE_REPLICA_URL (a streaming standby) set:  python replica_probe.py seed|report|write-inside|readyz

Prints one JSON line."""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
django.setup()

from django.db import connections  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from portal.audit.services import Actor  # noqa: E402
from portal.directory.models import Department, District, Office, Treasury  # noqa: E402
from portal.directory.services import create_office  # noqa: E402
from portal.replica import replica_reads  # noqa: E402

SYSTEM = Actor.system("replica-probe")


def add_office(lgd_code: int, n: int) -> None:
    district = District.objects.get(lgd_code=lgd_code)
    create_office(actor=SYSTEM, name_en=f"Probe office {lgd_code}-{n}", name_hi=f"परीक्षण कार्यालय {n}", address="x",
                  district=district, department=Department.objects.order_by("pk").first(),
                  treasury=Treasury.objects.filter(district=district).first() or Treasury.objects.first(),
                  office_type="district", kind="ddo", ddo_code=f"{lgd_code % 100:02d}{n:02d}", headcount=10)


def offices_by_district() -> dict[str, int]:
    """A report-style read: DDO offices per district."""
    rows = Office.objects.values("district__lgd_code").annotate(n=Count("id")).order_by("district__lgd_code")
    return {str(row["district__lgd_code"]): row["n"] for row in rows}


def server_of(alias: str) -> dict:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT inet_server_port(), pg_is_in_recovery()")
        port, in_recovery = cursor.fetchone()
    return {"port": port, "in_recovery": in_recovery}


def main(command: str, *args: str) -> dict:
    if command == "seed":
        for spec in args:  # "162:3" = three offices in district 162
            code, count = spec.split(":")
            start = Office.objects.filter(district__lgd_code=int(code)).count()
            for n in range(start, start + int(count)):
                add_office(int(code), n)
        return {"seeded": list(args)}
    if command == "report":
        with replica_reads():
            with CaptureQueriesContext(connections["replica"]) as on_replica, \
                 CaptureQueriesContext(connections["default"]) as on_primary:
                report = offices_by_district()
        return {
            "replica": report, "primary": offices_by_district(),
            "queries_on_replica": len(on_replica.captured_queries), "queries_on_primary": len(on_primary.captured_queries),
            "replica_server": server_of("replica"), "primary_server": server_of("default"),
        }
    if command == "write-inside":
        with replica_reads():
            add_office(118, 90)  # a write inside replica_reads goes to the primary
        return {"written": True}
    if command == "readyz":
        from django.test import Client

        response = Client().get("/readyz", HTTP_HOST="127.0.0.1")
        return {"status": response.status_code, "body": json.loads(response.content)}
    raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
