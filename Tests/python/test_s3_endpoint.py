"""The vault's S3-compatible endpoint with Object Lock, driven by boto3, the AWS CLI and raw signed
requests, against one `regvault serve --dev` whose retention policies keep reports one year in
governance mode by default and five years in compliance mode in Malta (s3_harness.write_policies).

Each Object Lock test is named after a rule of the S3 user guide ("How S3 Object Lock works",
"Configuring S3 Object Lock", "Managing Object Lock"); where the vault deliberately differs from
Amazon S3 the test says so and expects the vault's behaviour:
- every bucket has a retention floor (its jurisdiction's `report` rule, or the default policy's):
  a shorter or weaker retention is refused with InvalidRequest naming the rule, and a version
  stored without retention still gets the floor (Amazon: no retention at all), and a retention is
  never removed, even a governance one by admin with the bypass (Amazon would remove it);
- every bucket is versioned from its creation, and versioning can never be suspended.
After each refused write the test checks that nothing was stored.
"""

import base64
import hashlib
import io
import itertools
import json
import os
import shlex
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import zlib
from datetime import datetime, timedelta, timezone
from http.client import HTTPResponse

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

from s3_harness import (DEFAULT_FLOOR, MT_FLOOR, ROLES, aws_chunked, checksum_header, close_to, crc32c, error_code,
                        refused, s3_dev_server, write_policies, years_from_now)

MIB = 1024 * 1024
BYPASS = dict(BypassGovernanceRetention=True)

# Amazon S3 answers InvalidArgument to both ("The retain until date must be in the future!",
# "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied").
PAST_DATE_CODE = "InvalidArgument"
UNPAIRED_LOCK_HEADERS_CODE = "InvalidArgument"


@pytest.fixture(scope="module")
def vault(regvault_bin, tmp_path_factory):
    root = tmp_path_factory.mktemp("s3")
    policies = write_policies(root / "policies")
    config = root / "aws-config"
    config.write_text("")
    with pytest.MonkeyPatch.context() as env:
        for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                         "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
                         "AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION"):
            env.delenv(variable, raising=False)
        with s3_dev_server(root / "data", policies) as running:
            env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(running.credentials_file))
            env.setenv("AWS_CONFIG_FILE", str(config))
            env.setenv("AWS_CA_BUNDLE", str(running.ca))
            env.setenv("AWS_DEFAULT_REGION", "us-east-1")
            yield running


# -- helpers --------------------------------------------------------------------------------------
_serial = itertools.count(1)


def name(purpose: str) -> str:
    """A bucket name no other test uses."""
    return f"{purpose}-{next(_serial)}"


def lock_rule(mode: str, days: int = None, years: int = None) -> dict:
    retention = {"Mode": mode}
    if days is not None:
        retention["Days"] = days
    if years is not None:
        retention["Years"] = years
    return {"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": retention}}


def make_bucket(vault, purpose: str, lock: bool = True, jurisdiction: str = None, default: dict = None) -> str:
    """A new bucket made by admin; `jurisdiction` is sent as x-regvault-jurisdiction on CreateBucket,
    `default` ({"Mode": ..., "Days"/"Years": ...}) becomes its default retention."""
    bucket = name(purpose)
    client = vault.client("admin")
    if jurisdiction:
        client = vault.fresh_client("admin")
        client.meta.events.register("before-sign.s3.CreateBucket",
                                    lambda request, **_: request.headers.__setitem__("x-regvault-jurisdiction",
                                                                                     jurisdiction))
    client.create_bucket(Bucket=bucket, **({"ObjectLockEnabledForBucket": True} if lock else {}))
    if default:
        vault.client("admin").put_object_lock_configuration(
            Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled",
                                                    "Rule": {"DefaultRetention": default}})
    return bucket


def lock_configuration(vault, bucket: str) -> dict:
    """GetObjectLockConfiguration's ObjectLockConfiguration, read as regulator_read."""
    return vault.client("regulator_read").get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]


def put(vault, bucket: str, key: str, body: bytes = b"report body", role: str = "ingest", mode: str = None,
        until: datetime = None, **extra) -> str:
    """PutObject; returns the new version id."""
    if mode:
        extra["ObjectLockMode"] = mode
    if until:
        extra["ObjectLockRetainUntilDate"] = until
    return vault.client(role).put_object(Bucket=bucket, Key=key, Body=body, **extra)["VersionId"]


def retention(vault, bucket: str, key: str, version: str = None):
    """(mode, retain-until) of a version, read as regulator_read."""
    args = {"VersionId": version} if version else {}
    found = vault.client("regulator_read").get_object_retention(Bucket=bucket, Key=key, **args)["Retention"]
    return found["Mode"], found["RetainUntilDate"]


def legal_hold(vault, bucket: str, key: str, version: str) -> str:
    """ON or OFF; a version that never had a hold is OFF (S3 answers NoSuchObjectLockConfiguration
    there, the vault may answer OFF)."""
    try:
        answer = vault.client("regulator_read").get_object_legal_hold(Bucket=bucket, Key=key, VersionId=version)
        return answer.get("LegalHold", {}).get("Status", "OFF")
    except ClientError as error:
        if error.response["Error"].get("Code") == "NoSuchObjectLockConfiguration":
            return "OFF"
        raise


def body_of(vault, bucket: str, key: str, version: str = None, role: str = "regulator_read") -> bytes:
    args = {"VersionId": version} if version else {}
    return vault.client(role).get_object(Bucket=bucket, Key=key, **args)["Body"].read()


# Retain-until dates are counted from one instant per run, so that a date a test sets and the date
# it expects back are the same value.
START = datetime.now(timezone.utc).replace(microsecond=0)


def later(years: int, days: int = 0) -> datetime:
    """A whole-second retain-until date `years` calendar years and `days` days after START."""
    return years_from_now(years, START) + timedelta(days=days)


def recorder(client) -> list:
    """Registers a before-send handler on `client`; returns the list it fills with (operation url,
    headers with lower-case names) of every request sent."""
    sent = []

    def record(request, **_):
        sent.append((request.url, {k.lower(): (v.decode() if isinstance(v, bytes) else v)
                                   for k, v in request.headers.items()}))

    client.meta.events.register("before-send.s3", record)
    return sent


# -- startup --------------------------------------------------------------------------------------
def test_startup_prints_the_s3_listener_and_a_working_aws_command(vault):
    assert vault.url.startswith("https://127.0.0.1:") and vault.url != vault.api_url
    deadline = time.monotonic() + 5
    line = None
    while line is None and time.monotonic() < deadline:
        line = next((printed for printed in list(vault.printed) if "--endpoint-url" in printed), None)
        time.sleep(0.05)
    assert line, f"no `aws --endpoint-url … --profile …` line in {vault.printed!r}"
    words = shlex.split(line[line.index("aws "):])
    assert "--profile" in words, line
    endpoint, profile = words[words.index("--endpoint-url") + 1], words[words.index("--profile") + 1]
    assert endpoint == vault.url and profile in ROLES, line
    listed = aws(vault, profile, "s3api", "list-buckets")
    assert listed.returncode == 0, listed.stderr


# -- versioning -----------------------------------------------------------------------------------
def test_every_bucket_is_versioned_from_creation(vault):
    """Vault difference: Amazon leaves a bucket created without Object Lock unversioned."""
    plain, locked = make_bucket(vault, "plain", lock=False), make_bucket(vault, "locked")
    for bucket in (plain, locked):
        assert vault.client("regulator_read").get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_a_put_to_an_existing_key_makes_a_new_version_and_keeps_the_old_bytes(vault):
    bucket = make_bucket(vault, "overwrite", lock=False)
    first = put(vault, bucket, "r.csv", b"first")
    second = put(vault, bucket, "r.csv", b"second")
    assert first != second
    assert body_of(vault, bucket, "r.csv", first) == b"first"
    assert body_of(vault, bucket, "r.csv") == b"second"
    assert [v[1] for v in vault.versions(bucket)] == sorted([first, second])


def test_versioning_cannot_be_suspended_on_a_lock_enabled_bucket(vault):
    """S3: InvalidBucketState on a bucket with Object Lock. Vault difference: refused on every
    bucket, since the vault keeps every version."""
    for bucket in (make_bucket(vault, "suspend-locked"), make_bucket(vault, "suspend-plain", lock=False)):
        for role in ("admin", "compliance_officer"):
            refused("InvalidBucketState", vault.client(role).put_bucket_versioning, Bucket=bucket,
                    VersioningConfiguration={"Status": "Suspended"})
        vault.client("admin").put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        assert vault.client("regulator_read").get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


# -- bucket configuration -------------------------------------------------------------------------
def test_object_lock_configuration_is_not_found_on_a_bucket_created_without_lock(vault):
    bucket = make_bucket(vault, "nolock", lock=False)
    refused("ObjectLockConfigurationNotFoundError", vault.client("regulator_read").get_object_lock_configuration,
            Bucket=bucket)


def test_a_bucket_created_with_lock_reports_it_enabled_without_a_default_rule(vault):
    bucket = make_bucket(vault, "lock-norule")
    configuration = lock_configuration(vault, bucket)
    assert configuration == {"ObjectLockEnabled": "Enabled"}


def test_default_retention_in_days_applies_to_new_versions(vault):
    bucket = make_bucket(vault, "default-days", default={"Mode": "GOVERNANCE", "Days": 400})
    configuration = lock_configuration(vault, bucket)
    assert configuration["Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Days": 400}
    version = put(vault, bucket, "days.csv")
    mode, until = retention(vault, bucket, "days.csv", version)
    assert mode == "GOVERNANCE" and close_to(until, datetime.now(timezone.utc) + timedelta(days=400)), until


def test_default_retention_in_years_applies_to_new_versions(vault):
    bucket = make_bucket(vault, "default-years", default={"Mode": "COMPLIANCE", "Years": 3})
    configuration = lock_configuration(vault, bucket)
    assert configuration["Rule"]["DefaultRetention"] == {"Mode": "COMPLIANCE", "Years": 3}
    version = put(vault, bucket, "years.csv")
    mode, until = retention(vault, bucket, "years.csv", version)
    assert mode == "COMPLIANCE" and close_to(until, years_from_now(3)), until


def test_default_retention_with_both_days_and_years_is_malformed_xml(vault):
    bucket = make_bucket(vault, "days-and-years", default={"Mode": "GOVERNANCE", "Years": 2})
    refused("MalformedXML", vault.client("admin").put_object_lock_configuration, Bucket=bucket,
            ObjectLockConfiguration=lock_rule("GOVERNANCE", days=400, years=2))
    configuration = lock_configuration(vault, bucket)
    assert configuration["Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Years": 2}


def test_default_retention_period_must_be_positive(vault):
    bucket = make_bucket(vault, "period")
    for period in (dict(days=0), dict(days=-1), dict(years=0), dict(years=-5)):
        refused("InvalidRetentionPeriod", vault.client("admin").put_object_lock_configuration, Bucket=bucket,
                ObjectLockConfiguration=lock_rule("COMPLIANCE", **period))
    configuration = lock_configuration(vault, bucket)
    assert "Rule" not in configuration


def test_default_retention_with_an_unknown_mode_is_malformed_xml(vault):
    bucket = make_bucket(vault, "unknown-mode")
    refused("MalformedXML", vault.client("admin").put_object_lock_configuration, Bucket=bucket,
            ObjectLockConfiguration=lock_rule("FOREVER", years=2))
    assert "Rule" not in lock_configuration(vault, bucket)


def test_a_bucket_is_deleted_only_when_empty(vault):
    bucket = make_bucket(vault, "delete-me")
    put(vault, bucket, "kept.csv")
    refused("BucketNotEmpty", vault.client("admin").delete_bucket, Bucket=bucket)
    vault.client("ingest").delete_object(Bucket=bucket, Key="kept.csv")  # only a delete marker on top
    refused("BucketNotEmpty", vault.client("admin").delete_bucket, Bucket=bucket)
    assert len(vault.versions(bucket)) == 2

    empty = make_bucket(vault, "empty")
    refused("AccessDenied", vault.client("ingest").delete_bucket, Bucket=empty)
    vault.client("admin").delete_bucket(Bucket=empty)
    refused("NoSuchBucket", vault.client("admin").get_bucket_versioning, Bucket=empty)
    assert empty not in [b["Name"] for b in vault.client("regulator_read").list_buckets()["Buckets"]]


def test_invalid_bucket_names_are_refused(vault):
    for bad in ("Upper_Case", "ab", "-leading-dash"):
        refused("InvalidBucketName", vault.client("admin").create_bucket, Bucket=bad)
    listed = [b["Name"] for b in vault.client("admin").list_buckets()["Buckets"]]
    assert not {"Upper_Case", "ab", "-leading-dash"} & set(listed)


# -- retention ------------------------------------------------------------------------------------
def test_retention_modes_governance_and_compliance_are_kept_per_version(vault):
    bucket = make_bucket(vault, "modes")
    governed = put(vault, bucket, "q4.csv", b"governed", mode="GOVERNANCE", until=later(3))
    complied = put(vault, bucket, "q4.csv", b"complied", mode="COMPLIANCE", until=later(4))
    assert retention(vault, bucket, "q4.csv", governed) == ("GOVERNANCE", later(3))
    assert retention(vault, bucket, "q4.csv", complied) == ("COMPLIANCE", later(4))
    head = vault.client("regulator_read").head_object(Bucket=bucket, Key="q4.csv", VersionId=governed)
    assert (head["ObjectLockMode"], head["ObjectLockRetainUntilDate"]) == ("GOVERNANCE", later(3))
    assert body_of(vault, bucket, "q4.csv", governed) == b"governed"
    assert body_of(vault, bucket, "q4.csv") == b"complied"


def test_explicit_retention_wins_over_the_bucket_default(vault):
    bucket = make_bucket(vault, "explicit", default={"Mode": "GOVERNANCE", "Years": 5})
    stronger = put(vault, bucket, "stronger.csv", mode="COMPLIANCE", until=later(2))
    assert retention(vault, bucket, "stronger.csv", stronger) == ("COMPLIANCE", later(2))
    # Shorter than the bucket default (but above the floor): the explicit date still wins.
    shorter = put(vault, bucket, "shorter.csv", mode="GOVERNANCE", until=later(2))
    assert retention(vault, bucket, "shorter.csv", shorter) == ("GOVERNANCE", later(2))
    defaulted = put(vault, bucket, "defaulted.csv")
    mode, until = retention(vault, bucket, "defaulted.csv", defaulted)
    assert mode == "GOVERNANCE" and close_to(until, years_from_now(5)), until


def test_compliance_retention_can_be_extended(vault):
    bucket = make_bucket(vault, "extend")
    version = put(vault, bucket, "c.csv", mode="COMPLIANCE", until=later(3))
    vault.client("compliance_officer").put_object_retention(
        Bucket=bucket, Key="c.csv", VersionId=version, Retention={"Mode": "COMPLIANCE", "RetainUntilDate": later(4)})
    assert retention(vault, bucket, "c.csv", version) == ("COMPLIANCE", later(4))
    vault.client("ingest").put_object_retention(
        Bucket=bucket, Key="c.csv", VersionId=version, Retention={"Mode": "COMPLIANCE", "RetainUntilDate": later(5)})
    assert retention(vault, bucket, "c.csv", version) == ("COMPLIANCE", later(5))


def test_compliance_retention_is_never_shortened_or_removed_even_by_admin_with_bypass(vault):
    bucket = make_bucket(vault, "compliance")
    version = put(vault, bucket, "c.csv", mode="COMPLIANCE", until=later(5))
    for role in ("ingest", "compliance_officer", "admin"):
        client = vault.client(role)
        for change in ({"Mode": "COMPLIANCE", "RetainUntilDate": later(4)},   # shorter
                       {"Mode": "GOVERNANCE", "RetainUntilDate": later(5)},   # weaker mode
                       {}):                                                   # removed
            refused("AccessDenied", client.put_object_retention, Bucket=bucket, Key="c.csv", VersionId=version,
                    Retention=change, **BYPASS)
    for role in ("ingest", "admin"):
        refused("AccessDenied", vault.client(role).delete_object, Bucket=bucket, Key="c.csv", VersionId=version,
                **BYPASS)
    assert retention(vault, bucket, "c.csv", version) == ("COMPLIANCE", later(5))
    assert vault.versions(bucket) == [("c.csv", version, "version")]


def test_governance_retention_is_shortened_only_by_admin_with_bypass(vault):
    bucket = make_bucket(vault, "governance")
    version = put(vault, bucket, "g.csv", mode="GOVERNANCE", until=later(4))
    shorter = {"Mode": "GOVERNANCE", "RetainUntilDate": later(3)}
    for role, bypass in (("ingest", False), ("ingest", True), ("compliance_officer", False),
                         ("compliance_officer", True), ("admin", False)):
        refused("AccessDenied", vault.client(role).put_object_retention, Bucket=bucket, Key="g.csv",
                VersionId=version, Retention=shorter, **(BYPASS if bypass else {}))
        assert retention(vault, bucket, "g.csv", version) == ("GOVERNANCE", later(4)), (role, bypass)
    # Extending needs no bypass.
    vault.client("ingest").put_object_retention(Bucket=bucket, Key="g.csv", VersionId=version,
                                                Retention={"Mode": "GOVERNANCE", "RetainUntilDate": later(5)})
    assert retention(vault, bucket, "g.csv", version) == ("GOVERNANCE", later(5))
    vault.client("admin").put_object_retention(Bucket=bucket, Key="g.csv", VersionId=version, Retention=shorter,
                                               **BYPASS)
    assert retention(vault, bucket, "g.csv", version) == ("GOVERNANCE", later(3))


def test_governance_retention_is_never_removed_even_by_admin_with_bypass(vault):
    bucket = make_bucket(vault, "gov-remove")
    version = put(vault, bucket, "g.csv", mode="GOVERNANCE", until=later(3))
    for role, bypass in (("ingest", True), ("compliance_officer", True), ("admin", False)):
        refused("AccessDenied", vault.client(role).put_object_retention, Bucket=bucket, Key="g.csv",
                VersionId=version, Retention={}, **(BYPASS if bypass else {}))
    assert retention(vault, bucket, "g.csv", version) == ("GOVERNANCE", later(3))
    # With the role and the bypass, Amazon S3 would remove it; the vault keeps the bucket's floor and says so.
    error = refused("InvalidRequest", vault.client("admin").put_object_retention, Bucket=bucket, Key="g.csv",
                    VersionId=version, Retention={}, **BYPASS)
    assert "floor" in error["Error"]["Message"], error["Error"]
    assert retention(vault, bucket, "g.csv", version) == ("GOVERNANCE", later(3))


def test_a_governance_version_is_deleted_permanently_only_by_admin_with_bypass(vault):
    bucket = make_bucket(vault, "gov-delete")
    version = put(vault, bucket, "g.csv", mode="GOVERNANCE", until=later(3))
    refused("AccessDenied", vault.client("admin").delete_object, Bucket=bucket, Key="g.csv", VersionId=version)
    assert vault.versions(bucket) == [("g.csv", version, "version")]
    deleted = vault.client("admin").delete_object(Bucket=bucket, Key="g.csv", VersionId=version, **BYPASS)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204 and deleted.get("VersionId") == version
    assert vault.versions(bucket) == []
    refused("NoSuchKey", vault.client("regulator_read").get_object, Bucket=bucket, Key="g.csv")


def test_the_bypass_header_without_the_bypass_role_is_refused(vault):
    bucket = make_bucket(vault, "bypass-role")
    version = put(vault, bucket, "g.csv", mode="GOVERNANCE", until=later(3))
    for role in ("ingest", "compliance_officer", "regulator_read"):
        refused("AccessDenied", vault.client(role).delete_object, Bucket=bucket, Key="g.csv", VersionId=version,
                **BYPASS)
    assert vault.versions(bucket) == [("g.csv", version, "version")]
    assert retention(vault, bucket, "g.csv", version) == ("GOVERNANCE", later(3))


def test_a_retain_until_date_in_the_past_is_refused(vault):
    bucket = make_bucket(vault, "past")
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).replace(microsecond=0)
    refused(PAST_DATE_CODE, put, vault, bucket, "past.csv", mode="GOVERNANCE", until=yesterday)
    assert vault.versions(bucket) == []
    version = put(vault, bucket, "kept.csv", mode="GOVERNANCE", until=later(3))
    refused(PAST_DATE_CODE, vault.client("admin").put_object_retention, Bucket=bucket, Key="kept.csv",
            VersionId=version, Retention={"Mode": "GOVERNANCE", "RetainUntilDate": yesterday}, **BYPASS)
    assert retention(vault, bucket, "kept.csv", version) == ("GOVERNANCE", later(3))


def test_object_lock_headers_need_both_mode_and_date(vault):
    bucket = make_bucket(vault, "pair")
    refused(UNPAIRED_LOCK_HEADERS_CODE, put, vault, bucket, "mode-only.csv", mode="COMPLIANCE")
    refused(UNPAIRED_LOCK_HEADERS_CODE, put, vault, bucket, "date-only.csv", until=later(3))
    assert vault.versions(bucket) == []


def test_an_unknown_mode_in_lock_headers_is_refused(vault):
    """S3 answers InvalidArgument ("Unknown wormMode directive") to an unknown x-amz-object-lock-mode,
    and MalformedXML to an unknown mode in a PutObjectRetention body."""
    bucket = make_bucket(vault, "worm")
    refused("InvalidArgument", put, vault, bucket, "forever.csv", mode="FOREVER", until=later(3))
    assert vault.versions(bucket) == []
    version = put(vault, bucket, "kept.csv", mode="GOVERNANCE", until=later(3))
    refused("MalformedXML", vault.client("ingest").put_object_retention, Bucket=bucket, Key="kept.csv",
            VersionId=version, Retention={"Mode": "FOREVER", "RetainUntilDate": later(4)})
    assert retention(vault, bucket, "kept.csv", version) == ("GOVERNANCE", later(3))


# -- legal holds ----------------------------------------------------------------------------------
def test_only_a_compliance_officer_sets_or_lifts_a_legal_hold(vault):
    bucket = make_bucket(vault, "hold-role")
    version = put(vault, bucket, "h.csv", mode="GOVERNANCE", until=later(3))
    for status in ("ON", "OFF"):
        for role in ("ingest", "regulator_read", "admin"):
            refused("AccessDenied", vault.client(role).put_object_legal_hold, Bucket=bucket, Key="h.csv",
                    VersionId=version, LegalHold={"Status": status})
        vault.client("compliance_officer").put_object_legal_hold(Bucket=bucket, Key="h.csv", VersionId=version,
                                                                 LegalHold={"Status": status})
        assert legal_hold(vault, bucket, "h.csv", version) == status
        head = vault.client("regulator_read").head_object(Bucket=bucket, Key="h.csv", VersionId=version)
        assert head["ObjectLockLegalHoldStatus"] == status


def test_a_legal_hold_blocks_permanent_deletion_whatever_the_dates(vault):
    bucket = make_bucket(vault, "hold-delete")
    version = put(vault, bucket, "h.csv", mode="GOVERNANCE", until=later(3))
    officer = vault.client("compliance_officer")
    officer.put_object_legal_hold(Bucket=bucket, Key="h.csv", VersionId=version, LegalHold={"Status": "ON"})
    # admin + bypass would remove this governance version; the hold alone stops it.
    refused("AccessDenied", vault.client("admin").delete_object, Bucket=bucket, Key="h.csv", VersionId=version,
            **BYPASS)
    assert vault.versions(bucket) == [("h.csv", version, "version")]
    officer.put_object_legal_hold(Bucket=bucket, Key="h.csv", VersionId=version, LegalHold={"Status": "OFF"})
    vault.client("admin").delete_object(Bucket=bucket, Key="h.csv", VersionId=version, **BYPASS)
    assert vault.versions(bucket) == []


def test_a_legal_hold_is_independent_of_retention(vault):
    bucket = make_bucket(vault, "hold-independent")
    version = put(vault, bucket, "h.csv", mode="COMPLIANCE", until=later(3))
    officer = vault.client("compliance_officer")
    officer.put_object_legal_hold(Bucket=bucket, Key="h.csv", VersionId=version, LegalHold={"Status": "ON"})
    assert retention(vault, bucket, "h.csv", version) == ("COMPLIANCE", later(3))
    officer.put_object_retention(Bucket=bucket, Key="h.csv", VersionId=version,
                                 Retention={"Mode": "COMPLIANCE", "RetainUntilDate": later(4)})
    assert legal_hold(vault, bucket, "h.csv", version) == "ON"
    officer.put_object_legal_hold(Bucket=bucket, Key="h.csv", VersionId=version, LegalHold={"Status": "OFF"})
    assert retention(vault, bucket, "h.csv", version) == ("COMPLIANCE", later(4))
    # Another version of the same key is not held.
    other = put(vault, bucket, "h.csv", mode="COMPLIANCE", until=later(3))
    officer.put_object_legal_hold(Bucket=bucket, Key="h.csv", VersionId=version, LegalHold={"Status": "ON"})
    assert (legal_hold(vault, bucket, "h.csv", version), legal_hold(vault, bucket, "h.csv", other)) == ("ON", "OFF")


# -- delete markers -------------------------------------------------------------------------------
def test_a_delete_without_version_id_makes_a_delete_marker(vault):
    bucket = make_bucket(vault, "marker")
    first = put(vault, bucket, "m.csv", b"first", mode="COMPLIANCE", until=later(3))
    second = put(vault, bucket, "m.csv", b"second")
    deleted = vault.client("ingest").delete_object(Bucket=bucket, Key="m.csv")
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    assert marker not in (first, second)

    error = refused("NoSuchKey", vault.client("regulator_read").get_object, Bucket=bucket, Key="m.csv")
    headers = error["ResponseMetadata"]["HTTPHeaders"]
    assert headers.get("x-amz-delete-marker") == "true" and headers.get("x-amz-version-id") == marker, headers
    assert body_of(vault, bucket, "m.csv", first) == b"first"
    assert body_of(vault, bucket, "m.csv", second) == b"second"
    assert retention(vault, bucket, "m.csv", first) == ("COMPLIANCE", later(3))

    listed = vault.client("regulator_read").list_object_versions(Bucket=bucket, Prefix="m.csv")
    assert [(m["VersionId"], m["IsLatest"]) for m in listed["DeleteMarkers"]] == [(marker, True)]
    assert sorted((v["VersionId"], v["IsLatest"]) for v in listed["Versions"]) == sorted([(first, False),
                                                                                         (second, False)])
    assert "Contents" not in vault.client("regulator_read").list_objects_v2(Bucket=bucket)


# -- retention floors (vault difference 1) --------------------------------------------------------
def test_a_version_stored_without_retention_gets_the_default_floor(vault):
    """Amazon would answer NoSuchObjectLockConfiguration; the vault gives every version its floor."""
    bucket = make_bucket(vault, "floor-default")
    version = put(vault, bucket, "plain.csv")
    mode, until = retention(vault, bucket, "plain.csv", version)
    assert mode == DEFAULT_FLOOR["mode"] and close_to(until, years_from_now(DEFAULT_FLOOR["years"])), until
    head = vault.client("regulator_read").head_object(Bucket=bucket, Key="plain.csv")
    assert head["ObjectLockMode"] == DEFAULT_FLOOR["mode"]


def test_a_version_stored_without_retention_gets_its_jurisdictions_floor(vault):
    bucket = make_bucket(vault, "floor-mt", jurisdiction="MT")
    version = put(vault, bucket, "plain.csv")
    mode, until = retention(vault, bucket, "plain.csv", version)
    assert mode == MT_FLOOR["mode"] and close_to(until, years_from_now(MT_FLOOR["years"])), until
    refused("AccessDenied", vault.client("admin").delete_object, Bucket=bucket, Key="plain.csv", VersionId=version,
            **BYPASS)
    assert vault.versions(bucket) == [("plain.csv", version, "version")]


def test_retention_below_the_jurisdiction_floor_is_refused_naming_the_rule(vault):
    bucket = make_bucket(vault, "below-mt", jurisdiction="MT")
    admin = vault.client("admin")
    for default in ({"Mode": "COMPLIANCE", "Years": MT_FLOOR["years"] - 2},
                    {"Mode": "COMPLIANCE", "Days": 365}):
        error = refused("InvalidRequest", admin.put_object_lock_configuration, Bucket=bucket,
                        ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": default}})
        assert MT_FLOOR["rule"] in error["Error"]["Message"], error["Error"]
    assert "Rule" not in lock_configuration(vault, bucket)
    error = refused("InvalidRequest", put, vault, bucket, "short.csv", mode="COMPLIANCE", until=later(3))
    assert MT_FLOOR["rule"] in error["Error"]["Message"], error["Error"]
    assert vault.versions(bucket) == []
    # At the floor and above: accepted.
    admin.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration=lock_rule("COMPLIANCE", years=5))
    version = put(vault, bucket, "long.csv", mode="COMPLIANCE", until=later(6))
    assert retention(vault, bucket, "long.csv", version) == ("COMPLIANCE", later(6))


def test_governance_where_the_floor_is_compliance_is_refused_naming_the_rule(vault):
    bucket = make_bucket(vault, "weaker-mt", jurisdiction="MT")
    error = refused("InvalidRequest", vault.client("admin").put_object_lock_configuration, Bucket=bucket,
                    ObjectLockConfiguration=lock_rule("GOVERNANCE", years=10))
    assert MT_FLOOR["rule"] in error["Error"]["Message"], error["Error"]
    error = refused("InvalidRequest", put, vault, bucket, "weak.csv", mode="GOVERNANCE", until=later(10))
    assert MT_FLOOR["rule"] in error["Error"]["Message"], error["Error"]
    assert vault.versions(bucket) == []


def test_retention_below_the_default_floor_is_refused_naming_the_rule(vault):
    bucket = make_bucket(vault, "below-default")
    admin = vault.client("admin")
    error = refused("InvalidRequest", admin.put_object_lock_configuration, Bucket=bucket,
                    ObjectLockConfiguration=lock_rule("GOVERNANCE", days=30))
    assert DEFAULT_FLOOR["rule"] in error["Error"]["Message"], error["Error"]
    six_months = (datetime.now(timezone.utc) + timedelta(days=180)).replace(microsecond=0)
    error = refused("InvalidRequest", put, vault, bucket, "short.csv", mode="GOVERNANCE", until=six_months)
    assert DEFAULT_FLOOR["rule"] in error["Error"]["Message"], error["Error"]
    assert vault.versions(bucket) == []
    # Even admin with the bypass cannot bring a governance retention below the floor.
    version = put(vault, bucket, "kept.csv", mode="GOVERNANCE", until=later(3))
    error = refused("InvalidRequest", admin.put_object_retention, Bucket=bucket, Key="kept.csv", VersionId=version,
                    Retention={"Mode": "GOVERNANCE", "RetainUntilDate": six_months}, **BYPASS)
    assert DEFAULT_FLOOR["rule"] in error["Error"]["Message"], error["Error"]
    assert retention(vault, bucket, "kept.csv", version) == ("GOVERNANCE", later(3))
    # Compliance is stronger than a governance floor: accepted for the same period.
    stronger = put(vault, bucket, "stronger.csv", mode="COMPLIANCE", until=later(1, days=30))
    assert retention(vault, bucket, "stronger.csv", stronger) == ("COMPLIANCE", later(1, days=30))


# -- roles ----------------------------------------------------------------------------------------
def test_reads_are_open_to_every_role(vault):
    bucket = make_bucket(vault, "reads", default={"Mode": "GOVERNANCE", "Years": 2})
    version = put(vault, bucket, "r.csv", b"readable")
    vault.client("compliance_officer").put_object_legal_hold(Bucket=bucket, Key="r.csv", VersionId=version,
                                                             LegalHold={"Status": "ON"})
    for role in ROLES:
        client = vault.client(role)
        assert bucket in [b["Name"] for b in client.list_buckets()["Buckets"]], role
        client.head_bucket(Bucket=bucket)
        assert client.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        lock = client.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
        assert lock["ObjectLockEnabled"] == "Enabled"
        assert client.get_object(Bucket=bucket, Key="r.csv")["Body"].read() == b"readable"
        assert client.head_object(Bucket=bucket, Key="r.csv")["VersionId"] == version
        assert [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]] == ["r.csv"]
        assert [v["VersionId"] for v in client.list_object_versions(Bucket=bucket)["Versions"]] == [version]
        assert client.get_object_retention(Bucket=bucket, Key="r.csv")["Retention"]["Mode"] == "GOVERNANCE"
        assert client.get_object_legal_hold(Bucket=bucket, Key="r.csv")["LegalHold"]["Status"] == "ON"


def test_each_write_is_allowed_to_its_roles_only(vault):
    """Every write operation tried by every role; lists every mismatch at once."""
    bucket = make_bucket(vault, "roles")
    admin = vault.client("admin")
    mismatches = []

    def fresh_version(key, mode="GOVERNANCE", years=4):
        return put(vault, bucket, key, role="admin", mode=mode, until=later(years))

    def delete_objects(client, role):
        key = f"batch-{ROLES.index(role)}"
        admin.put_object(Bucket=bucket, Key=key, Body=b"x")
        answer = client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key}]})
        if answer.get("Errors"):  # S3 may answer 200 with a per-key AccessDenied
            raise ClientError({"Error": answer["Errors"][0]}, "DeleteObjects")

    def multipart(client, role):
        upload = client.create_multipart_upload(Bucket=bucket, Key=f"mpu-{ROLES.index(role)}")["UploadId"]
        try:
            client.upload_part(Bucket=bucket, Key=f"mpu-{ROLES.index(role)}", UploadId=upload, PartNumber=1, Body=b"p")
        finally:
            admin.abort_multipart_upload(Bucket=bucket, Key=f"mpu-{ROLES.index(role)}", UploadId=upload)

    def empty_bucket():
        empty = name("roles-empty")
        admin.create_bucket(Bucket=empty)
        return empty

    operations = {
        "CreateBucket": ({"admin", "compliance_officer"}, lambda c, r: c.create_bucket(Bucket=name("roles-new"))),
        "DeleteBucket": ({"admin", "compliance_officer"}, lambda c, r: c.delete_bucket(Bucket=empty_bucket())),
        "PutBucketVersioning": ({"admin", "compliance_officer"}, lambda c, r: c.put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})),
        "PutObjectLockConfiguration": ({"admin", "compliance_officer"}, lambda c, r: c.put_object_lock_configuration(
            Bucket=bucket, ObjectLockConfiguration=lock_rule("GOVERNANCE", years=2))),
        "PutObject": ({"ingest", "admin"}, lambda c, r: c.put_object(Bucket=bucket, Key=f"put-{ROLES.index(r)}",
                                                                     Body=b"x")),
        "Multipart upload": ({"ingest", "admin"}, multipart),
        "DeleteObject (marker)": ({"ingest", "admin"}, lambda c, r: c.delete_object(
            Bucket=bucket, Key=f"put-by-admin-{ROLES.index(r)}")),
        "DeleteObjects": ({"ingest", "admin"}, delete_objects),
        "PutObjectRetention (extend)": ({"ingest", "compliance_officer", "admin"}, lambda c, r: c.put_object_retention(
            Bucket=bucket, Key=f"extend-{ROLES.index(r)}", VersionId=fresh_version(f"extend-{ROLES.index(r)}"),
            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": later(5)})),
        "PutObjectRetention (shorten governance, bypass)": ({"admin"}, lambda c, r: c.put_object_retention(
            Bucket=bucket, Key=f"shorten-{ROLES.index(r)}", VersionId=fresh_version(f"shorten-{ROLES.index(r)}"),
            Retention={"Mode": "GOVERNANCE", "RetainUntilDate": later(3)}, **BYPASS)),
        "DeleteObject versionId (governance, bypass)": ({"admin"}, lambda c, r: c.delete_object(
            Bucket=bucket, Key=f"erase-{ROLES.index(r)}", VersionId=fresh_version(f"erase-{ROLES.index(r)}"),
            **BYPASS)),
        "PutObjectLegalHold": ({"compliance_officer"}, lambda c, r: c.put_object_legal_hold(
            Bucket=bucket, Key=f"hold-{ROLES.index(r)}", VersionId=fresh_version(f"hold-{ROLES.index(r)}"),
            LegalHold={"Status": "ON"})),
    }
    for index, role in enumerate(ROLES):
        admin.put_object(Bucket=bucket, Key=f"put-by-admin-{index}", Body=b"x")
    for operation, (allowed, call) in operations.items():
        for role in ROLES:
            try:
                call(vault.client(role), role)
                outcome = "allowed"
            except ClientError as error:
                code = error.response["Error"].get("Code")
                outcome = "denied" if code == "AccessDenied" else f"failed with {code}"
            expected = "allowed" if role in allowed else "denied"
            if outcome != expected:
                mismatches.append(f"{operation} as {role}: {outcome}, expected {expected}")
    assert not mismatches, "\n".join(mismatches)

    # What the refused writes would have stored is absent.
    stored = {key for key, _, kind in vault.versions(bucket)}
    assert {k for k in stored if k.startswith("put-")} - {f"put-by-admin-{i}" for i in range(4)} == \
        {f"put-{ROLES.index('ingest')}", f"put-{ROLES.index('admin')}"}
    markers = {key for key, _, kind in vault.versions(bucket) if kind == "marker"}
    assert markers == {f"put-by-admin-{ROLES.index('ingest')}", f"put-by-admin-{ROLES.index('admin')}",
                       f"batch-{ROLES.index('ingest')}", f"batch-{ROLES.index('admin')}"}, markers
    assert {k for k in stored if k.startswith("erase-")} == {f"erase-{i}" for i in range(4)} - {
        f"erase-{ROLES.index('admin')}"}


# -- uploads --------------------------------------------------------------------------------------
def test_put_object_with_bytes_reads_back_with_metadata_and_md5_etag(vault):
    bucket = make_bucket(vault, "bytes")
    data = b"period,player,deposits\n2026-11,p1,100\n"
    answer = vault.client("ingest").put_object(Bucket=bucket, Key="reports/2026-11/players.csv", Body=data,
                                               ContentType="text/csv", Metadata={"report-period": "2026-11"})
    assert answer["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    got = vault.client("regulator_read").get_object(Bucket=bucket, Key="reports/2026-11/players.csv")
    assert got["Body"].read() == data and got["ContentLength"] == len(data)
    assert got["ContentType"] == "text/csv" and got["Metadata"] == {"report-period": "2026-11"}
    assert got["VersionId"] == answer["VersionId"] and got["ETag"] == answer["ETag"]


def test_put_object_streams_a_file_with_a_crc32_trailer(vault):
    bucket = make_bucket(vault, "stream")
    data = bytes(range(256)) * 4096  # 1 MiB
    client = vault.fresh_client("ingest")
    sent = recorder(client)
    answer = client.put_object(Bucket=bucket, Key="streamed.bin", Body=io.BytesIO(data))
    headers = sent[-1][1]
    assert headers["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER" and \
        headers["x-amz-trailer"] == "x-amz-checksum-crc32", headers
    assert answer["ChecksumCRC32"] == checksum_header(zlib.crc32(data))
    assert body_of(vault, bucket, "streamed.bin") == data


def test_signed_unsigned_and_trailer_payloads_are_all_accepted(vault):
    bucket = make_bucket(vault, "payloads")
    forms = {
        "signed": (dict(request_checksum_calculation="when_required", s3={"payload_signing_enabled": True}),
                   lambda value: len(value) == 64),
        "unsigned": (dict(request_checksum_calculation="when_required", s3={"payload_signing_enabled": False}),
                     lambda value: value == "UNSIGNED-PAYLOAD"),
        "trailer": ({}, lambda value: value == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
    }
    for form, (config, expected) in forms.items():
        client = vault.client("ingest", **config)
        sent = recorder(client)
        data = f"{form} payload\n".encode() * 100
        client.put_object(Bucket=bucket, Key=f"{form}.txt", Body=data)
        assert expected(sent[-1][1]["x-amz-content-sha256"]), (form, sent[-1][1])
        assert body_of(vault, bucket, f"{form}.txt") == data, form


def test_expect_100_continue_is_answered_before_the_body(vault):
    bucket = make_bucket(vault, "continue")
    data = b"sent after 100 Continue\n" * 100
    target = f"/{bucket}/continued.txt"
    headers = vault.signed("PUT", target, data, {"Expect": "100-continue", "Content-Length": str(len(data))},
                           role="ingest")
    with vault.socket() as tls:
        vault.send_head(tls, "PUT", target, headers)
        interim = b""
        while not interim.endswith(b"\r\n\r\n"):
            byte = tls.recv(1)
            assert byte, f"connection closed before an interim answer: {interim!r}"
            interim += byte
        assert interim.startswith(b"HTTP/1.1 100"), interim
        tls.sendall(data)
        response = HTTPResponse(tls, method="PUT")
        response.begin()
        answer = response.read()
        assert response.status == 200, answer
    assert body_of(vault, bucket, "continued.txt") == data


def test_a_multipart_upload_of_12_mib_reads_back_by_range(vault, tmp_path):
    bucket = make_bucket(vault, "multipart")
    data = os.urandom(12 * MIB)
    source = tmp_path / "upload.bin"
    source.write_bytes(data)
    client = vault.fresh_client("ingest")
    sent = recorder(client)
    client.upload_file(str(source), bucket, "big.bin",
                       ExtraArgs={"Metadata": {"report-period": "2026-11"}, "ObjectLockMode": "GOVERNANCE",
                                  "ObjectLockRetainUntilDate": later(3)},
                       Config=TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB,
                                             max_concurrency=2))
    assert len([url for url, _ in sent if "partNumber=" in url]) == 3
    reader = vault.client("regulator_read")
    head = reader.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data) and head["ETag"].endswith('-3"'), head
    assert head["Metadata"] == {"report-period": "2026-11"}
    across = reader.get_object(Bucket=bucket, Key="big.bin", Range=f"bytes={5 * MIB - 10}-{5 * MIB + 9}")
    assert across["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert across["ContentRange"] == f"bytes {5 * MIB - 10}-{5 * MIB + 9}/{len(data)}"
    assert across["Body"].read() == data[5 * MIB - 10:5 * MIB + 10]
    assert reader.get_object(Bucket=bucket, Key="big.bin", Range="bytes=-100")["Body"].read() == data[-100:]
    assert retention(vault, bucket, "big.bin") == ("GOVERNANCE", later(3))
    assert body_of(vault, bucket, "big.bin") == data


def test_multipart_parts_below_5_mib_except_the_last_are_entity_too_small(vault):
    bucket = make_bucket(vault, "small-parts")
    client = vault.client("ingest")
    upload = client.create_multipart_upload(Bucket=bucket, Key="small.bin")["UploadId"]
    parts = []
    for number in (1, 2):
        etag = client.upload_part(Bucket=bucket, Key="small.bin", UploadId=upload, PartNumber=number,
                                  Body=b"%d" % number * MIB)["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    refused("EntityTooSmall", client.complete_multipart_upload, Bucket=bucket, Key="small.bin", UploadId=upload,
            MultipartUpload={"Parts": parts})
    assert vault.versions(bucket) == []
    client.abort_multipart_upload(Bucket=bucket, Key="small.bin", UploadId=upload)


def test_an_aborted_multipart_upload_stores_nothing(vault):
    bucket = make_bucket(vault, "aborted")
    client = vault.client("ingest")
    upload = client.create_multipart_upload(Bucket=bucket, Key="aborted.bin")["UploadId"]
    client.upload_part(Bucket=bucket, Key="aborted.bin", UploadId=upload, PartNumber=1, Body=b"a" * (5 * MIB))
    client.abort_multipart_upload(Bucket=bucket, Key="aborted.bin", UploadId=upload)
    refused("NoSuchUpload", client.upload_part, Bucket=bucket, Key="aborted.bin", UploadId=upload, PartNumber=2,
            Body=b"b")
    assert vault.versions(bucket) == []


def test_list_objects_v2_by_prefix_delimiter_and_continuation(vault):
    bucket = make_bucket(vault, "listing", lock=False)
    keys = ["list/a.csv", "list/b.csv", "list/c.csv", "list/sub/d.csv", "list/sub/e.csv"]
    for key in keys + ["other/z.csv"]:
        put(vault, bucket, key, key.encode())
    reader = vault.client("regulator_read")

    pages, token = [], None
    while True:
        page = reader.list_objects_v2(Bucket=bucket, Prefix="list/", MaxKeys=2,
                                      **({"ContinuationToken": token} if token else {}))
        pages.append(([o["Key"] for o in page.get("Contents", [])], page["KeyCount"], page["IsTruncated"]))
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
        assert len(pages) < 5, pages
    assert pages == [(keys[0:2], 2, True), (keys[2:4], 2, True), (keys[4:5], 1, False)]

    folded = reader.list_objects_v2(Bucket=bucket, Prefix="list/", Delimiter="/")
    assert [o["Key"] for o in folded["Contents"]] == keys[:3]
    assert [p["Prefix"] for p in folded["CommonPrefixes"]] == ["list/sub/"]
    assert folded["KeyCount"] == 4 and folded["IsTruncated"] is False
    top = reader.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert "Contents" not in top and [p["Prefix"] for p in top["CommonPrefixes"]] == ["list/", "other/"]


def test_a_key_of_1024_bytes_is_stored_and_1025_bytes_is_key_too_long(vault):
    bucket = make_bucket(vault, "long-keys")
    put(vault, bucket, "k" * 1024, b"longest")
    refused("KeyTooLongError", put, vault, bucket, "k" * 1025, b"too long")
    assert [key for key, _, _ in vault.versions(bucket)] == ["k" * 1024]


def test_missing_bucket_key_and_version_are_named(vault):
    bucket = make_bucket(vault, "missing")
    reader = vault.client("regulator_read")
    refused("NoSuchBucket", reader.get_object, Bucket=name("never-made"), Key="a")
    refused("NoSuchBucket", put, vault, name("never-made"), "a")
    refused("NoSuchKey", reader.get_object, Bucket=bucket, Key="absent.csv")
    other = put(vault, bucket, "other.csv")  # a real version id, of another key
    put(vault, bucket, "present.csv")
    refused("NoSuchVersion", reader.get_object, Bucket=bucket, Key="present.csv", VersionId=other)


# -- checksums and malformed input ----------------------------------------------------------------
def test_a_crc32_that_does_not_match_is_bad_digest(vault):
    bucket = make_bucket(vault, "bad-crc")
    refused("BadDigest", vault.client("ingest").put_object, Bucket=bucket, Key="crc.bin", Body=b"the real bytes",
            ChecksumCRC32=checksum_header(zlib.crc32(b"other bytes")))
    assert vault.versions(bucket) == []
    vault.client("ingest").put_object(Bucket=bucket, Key="crc.bin", Body=b"the real bytes",
                                      ChecksumCRC32=checksum_header(zlib.crc32(b"the real bytes")))
    assert body_of(vault, bucket, "crc.bin") == b"the real bytes"


def test_a_content_md5_that_does_not_match_is_bad_digest(vault):
    bucket = make_bucket(vault, "bad-md5")
    refused("BadDigest", vault.client("ingest").put_object, Bucket=bucket, Key="md5.bin", Body=b"the real bytes",
            ContentMD5=base64.b64encode(hashlib.md5(b"other bytes").digest()).decode())
    assert vault.versions(bucket) == []


def test_a_trailer_checksum_is_verified(vault):
    """aws-chunked bodies with a CRC32C and a multi-chunk CRC32 trailer, sent by hand: the right
    checksum stores the decoded bytes, a wrong one is BadDigest and stores nothing."""
    bucket = make_bucket(vault, "trailer")
    data = os.urandom(200 * 1024)
    for algorithm, compute in (("crc32c", crc32c), ("crc32", zlib.crc32)):
        for key, value in ((f"wrong-{algorithm}", compute(b"other")), (f"right-{algorithm}", compute(data))):
            encoded = aws_chunked(data, f"x-amz-checksum-{algorithm}", checksum_header(value))
            status, _, answer = vault.raw("PUT", f"/{bucket}/{key}", encoded, {
                "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(data)),
                "x-amz-trailer": f"x-amz-checksum-{algorithm}", "x-amz-sdk-checksum-algorithm": algorithm.upper(),
                "Content-Length": str(len(encoded))}, role="ingest", payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER")
            if key.startswith("wrong"):
                assert (status, error_code(answer)) == (400, "BadDigest"), (key, status, answer)
            else:
                assert status == 200, (key, status, answer)
    assert sorted(key for key, _, _ in vault.versions(bucket)) == ["right-crc32", "right-crc32c"]
    assert body_of(vault, bucket, "right-crc32c") == data and body_of(vault, bucket, "right-crc32") == data


def test_a_signed_payload_hash_that_does_not_match_is_refused(vault):
    bucket = make_bucket(vault, "bad-sha")
    status, _, answer = vault.raw("PUT", f"/{bucket}/sha.bin", b"the real bytes", role="ingest",
                                  payload_hash=hashlib.sha256(b"other bytes").hexdigest())
    assert (status, error_code(answer)) == (400, "XAmzContentSHA256Mismatch"), answer
    assert vault.versions(bucket) == []


def test_malformed_xml_bodies_are_refused(vault):
    bucket = make_bucket(vault, "malformed", default={"Mode": "GOVERNANCE", "Years": 2})
    version = put(vault, bucket, "x.csv", mode="GOVERNANCE", until=later(3))
    broken = b"<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLock"
    md5 = {"Content-MD5": base64.b64encode(hashlib.md5(broken).digest()).decode()}
    for target, role in ((f"/{bucket}?object-lock", "admin"),
                         (f"/{bucket}/x.csv?retention&versionId={version}", "admin"),
                         (f"/{bucket}/x.csv?legal-hold&versionId={version}", "compliance_officer")):
        status, _, answer = vault.raw("PUT", target, broken, md5, role=role)
        assert (status, error_code(answer)) == (400, "MalformedXML"), (target, status, answer)
    configuration = lock_configuration(vault, bucket)
    assert configuration["Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Years": 2}
    assert retention(vault, bucket, "x.csv", version) == ("GOVERNANCE", later(3))
    assert legal_hold(vault, bucket, "x.csv", version) == "OFF"


def test_a_body_shorter_than_its_content_length_stores_nothing(vault):
    bucket = make_bucket(vault, "short-body")
    target = f"/{bucket}/short.bin"
    headers = vault.signed("PUT", target, b"", {"Content-Length": "1000"}, role="ingest",
                           payload_hash="UNSIGNED-PAYLOAD")
    with vault.socket(timeout=3) as tls:
        vault.send_head(tls, "PUT", target, headers, b"x" * 400)
        try:
            early = tls.recv(65536)  # the server may answer now or wait for the rest
        except (TimeoutError, OSError):
            early = b""
    if early:
        assert not early.startswith(b"HTTP/1.1 2"), early
    time.sleep(0.5)
    assert vault.versions(bucket) == []
    put(vault, bucket, "after.bin")  # the server still serves
    assert [key for key, _, _ in vault.versions(bucket)] == ["after.bin"]


# -- authentication -------------------------------------------------------------------------------
def test_a_presigned_get_works_until_it_expires(vault):
    bucket = make_bucket(vault, "presigned")
    put(vault, bucket, "shared.csv", b"presigned bytes")
    reader = vault.client("regulator_read")
    url = reader.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "shared.csv"}, ExpiresIn=300)
    with urllib.request.urlopen(url, context=vault.tls(), timeout=30) as response:
        assert response.status == 200 and response.read() == b"presigned bytes"
    tampered = url.replace("shared.csv", "shared.csv2")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(tampered, context=vault.tls(), timeout=30)
    assert (caught.value.code, error_code(caught.value.read())) == (403, "SignatureDoesNotMatch")
    short = reader.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "shared.csv"}, ExpiresIn=1)
    time.sleep(2)
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(short, context=vault.tls(), timeout=30)
    assert (caught.value.code, error_code(caught.value.read())) == (403, "AccessDenied")


def test_a_wrong_secret_is_signature_does_not_match(vault):
    bucket = make_bucket(vault, "wrong-secret")
    key_id, secret = vault.keys("ingest")
    refused("SignatureDoesNotMatch", vault.client_with_keys(key_id, secret[:-1] + ("A" if secret[-1] != "A" else "B"))
            .put_object, Bucket=bucket, Key="x", Body=b"x")
    assert vault.versions(bucket) == []


def test_an_unknown_access_key_is_invalid_access_key_id(vault):
    bucket = make_bucket(vault, "unknown-key")
    refused("InvalidAccessKeyId", vault.client_with_keys("AKIAUNKNOWNUNKNOWN00", "s" * 40).put_object,
            Bucket=bucket, Key="x", Body=b"x")
    assert vault.versions(bucket) == []


def test_a_tampered_signature_is_signature_does_not_match(vault):
    bucket = make_bucket(vault, "tampered")
    target = f"/{bucket}/x"
    headers = vault.signed("PUT", target, b"x", role="ingest")
    signature = headers["Authorization"].rsplit("Signature=", 1)[1]
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    headers["Authorization"] = headers["Authorization"][:-len(signature)] + flipped
    with vault.socket() as tls:
        vault.send_head(tls, "PUT", target, {**headers, "Content-Length": "1", "Connection": "close"}, b"x")
        response = HTTPResponse(tls, method="PUT")
        response.begin()
        assert (response.status, error_code(response.read())) == (403, "SignatureDoesNotMatch")
    assert vault.versions(bucket) == []


def test_a_clock_skewed_beyond_15_minutes_is_refused(vault):
    bucket = make_bucket(vault, "skew")
    now = datetime.now(timezone.utc)
    for key, when in (("late.bin", now - timedelta(minutes=20)), ("early.bin", now + timedelta(minutes=20))):
        status, _, answer = vault.raw("PUT", f"/{bucket}/{key}", b"skewed", role="ingest", when=when)
        assert (status, error_code(answer)) == (403, "RequestTimeTooSkewed"), (key, answer)
    assert vault.versions(bucket) == []
    status, _, answer = vault.raw("PUT", f"/{bucket}/within.bin", b"within", role="ingest",
                                  when=now - timedelta(minutes=5))
    assert status == 200, answer
    assert [key for key, _, _ in vault.versions(bucket)] == ["within.bin"]


# -- the AWS CLI ----------------------------------------------------------------------------------
def aws(vault, profile: str, *args, timeout: float = 120) -> subprocess.CompletedProcess:
    command = shutil.which("aws")
    assert command, "the AWS CLI (`aws`) is not installed"
    env = dict(os.environ, AWS_SHARED_CREDENTIALS_FILE=str(vault.credentials_file), AWS_CA_BUNDLE=str(vault.ca),
               AWS_DEFAULT_REGION="us-east-1")
    return subprocess.run([command, "--endpoint-url", vault.url, "--profile", profile, *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_the_aws_cli_creates_a_locked_bucket_and_copies_a_large_file(vault, tmp_path):
    bucket = name("cli")
    steps = [
        ("admin", "s3api", "create-bucket", "--bucket", bucket, "--object-lock-enabled-for-bucket"),
        ("admin", "s3api", "put-object-lock-configuration", "--bucket", bucket, "--object-lock-configuration",
         json.dumps(lock_rule("GOVERNANCE", years=2))),
    ]
    for profile, *args in steps:
        done = aws(vault, profile, *args)
        assert done.returncode == 0, (args, done.stderr)
    data = os.urandom(9 * MIB)  # above the CLI's 8 MiB multipart threshold
    (tmp_path / "q4.bin").write_bytes(data)
    key = "reports/2026-11/q4.bin"
    copied = aws(vault, "ingest", "s3", "cp", tmp_path / "q4.bin", f"s3://{bucket}/{key}", "--metadata",
                 "report-period=2026-11")
    assert copied.returncode == 0, copied.stderr
    shown = aws(vault, "regulator_read", "s3api", "get-object-retention", "--bucket", bucket, "--key", key)
    assert shown.returncode == 0, shown.stderr
    kept = json.loads(shown.stdout)["Retention"]
    until = datetime.fromisoformat(kept["RetainUntilDate"].replace("Z", "+00:00"))
    assert kept["Mode"] == "GOVERNANCE" and close_to(until, years_from_now(2)), kept
    fetched = aws(vault, "regulator_read", "s3", "cp", f"s3://{bucket}/{key}", tmp_path / "back.bin")
    assert fetched.returncode == 0, fetched.stderr
    assert (tmp_path / "back.bin").read_bytes() == data
    assert vault.client("regulator_read").head_object(Bucket=bucket, Key=key)["ETag"].endswith('-2"')
