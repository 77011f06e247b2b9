"""MEDIA_STORAGE=s3: scans and photos go to a private bucket through django-storages and are
read back only by the portal's permission-checked views (FieldFile.open() on S3).

The bucket is moto's in-process S3; the storage options are the ones portal/settings.py
builds from the environment (the settings file is executed with MEDIA_STORAGE=s3)."""

import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from portal.enrolment.tests.conftest import officer, register

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "sects-private-test"
REGION = "ap-south-1"


def s3_settings(monkeypatch, **env) -> dict:
    """portal/settings.py executed with MEDIA_STORAGE=s3 and the given S3_* variables."""
    values = {"MEDIA_STORAGE": "s3", "S3_BUCKET": BUCKET, "S3_REGION": REGION,
              "S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing", **env}
    for name, value in values.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "portal" / "settings.py"))


@pytest.fixture
def bucket(settings, monkeypatch):
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    storage = s3_settings(monkeypatch)["STORAGES"]["default"]
    with mock_aws():
        import boto3

        client = boto3.client("s3", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        settings.STORAGES = {**settings.STORAGES, "default": storage}
        yield client


@pytest.fixture
def ddo_office(submitted):
    """An approved DDO and its office (as in portal/enrolment/tests/conftest.py)."""
    return submitted(stage="approved").offices.get().office


def keys(client, prefix="") -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]


def body(client, key) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_settings_choose_the_s3_backend_with_private_defaults(monkeypatch):
    storage = s3_settings(monkeypatch, S3_PREFIX="media", S3_ENDPOINT_URL="https://minio.sdc.up.internal:9000",
                          S3_ADDRESSING_STYLE="path")["STORAGES"]["default"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == BUCKET and options["location"] == "media"
    assert options["endpoint_url"] == "https://minio.sdc.up.internal:9000" and options["addressing_style"] == "path"
    assert options["default_acl"] is None and options["querystring_auth"] is True and options["querystring_expire"] == 60
    assert options["file_overwrite"] is False


def test_filesystem_is_the_default(monkeypatch):
    monkeypatch.delenv("MEDIA_STORAGE", raising=False)
    storage = runpy.run_path(str(ROOT / "portal" / "settings.py"))["STORAGES"]["default"]
    assert storage["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert storage["OPTIONS"]["base_url"] is None  # no URL for private files


def test_s3_without_a_bucket_or_an_unknown_store_is_refused(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="S3_BUCKET"):
        s3_settings(monkeypatch, S3_BUCKET=None)
    with pytest.raises(ImproperlyConfigured, match="MEDIA_STORAGE"):
        s3_settings(monkeypatch, MEDIA_STORAGE="ftp")


def test_scan_uploaded_to_s3_is_served_by_the_permission_checked_view(bucket, submitted, users, login):
    application = submitted(stage="scan_received")
    [key] = keys(bucket, "private/ddo/scans/")
    assert application.scan.name == key.removeprefix("private/")
    response = login(users["state"]).get(reverse("ddo:scan", args=[application.number]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == body(bucket, key)
    assert response["Content-Type"] == "application/pdf"


def test_photos_on_s3_are_served_by_the_office_view_and_printed_on_the_form(bucket, ddo_office, make_user, client):
    from portal.accounts.models import Role

    family = register(ddo_office, n=11, mobile="9811111111", sons=[12])
    photo_keys = keys(bucket, "private/enrolment/photos/")
    assert len(photo_keys) == 2
    member = family.members.order_by("pk").first()
    client.force_login(officer(ddo_office))

    response = client.get(reverse("enrolment:photo", args=[member.pk]))
    assert response.status_code == 200
    served = b"".join(response.streaming_content)
    assert served.startswith(b"\xff\xd8\xff") and served == body(bucket, "private/" + member.photo.file.name)

    pdf = client.get(reverse("enrolment:office_form_pdf", args=[family.number]))  # reads both photos from S3
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")

    other_office = make_user(Role.DDO)  # a DDO of no office: the photo is not theirs to see
    client.force_login(other_office)
    assert client.get(reverse("enrolment:photo", args=[member.pk])).status_code == 404


def test_objects_are_private_and_only_short_signed_urls_exist(bucket, submitted):
    from django.core.files.storage import storages

    application = submitted(stage="scan_received")
    [key] = keys(bucket, "private/ddo/scans/")
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert all("URI" not in g["Grantee"] for g in grants)  # no AllUsers / AuthenticatedUsers grant
    url = storages["default"].url(application.scan.name)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url


def test_readyz_checks_the_bucket_and_leaves_nothing_behind(bucket, client):
    import json

    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["checks"]["storage"]["status"] == "ok"
    assert keys(bucket, "private/readyz/") == []


def test_readyz_says_storage_is_down_when_the_bucket_is_gone(bucket, client):
    import json

    bucket.delete_bucket(Bucket=BUCKET)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["failed"] == ["storage"]
