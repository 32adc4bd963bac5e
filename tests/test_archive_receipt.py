"""A kvittens names the package it acknowledges: the SHA-256 of the file the
arkivarie downloaded and the snapshots in it (id, account, version, SHA-256)."""

import datetime
import hashlib
from pathlib import Path

import pytest

from archive import services
from archive.models import Package, Reason, Receipt, Snapshot
from archive.package import PackageError

from .test_archive_package import NOW, PERIOD, other_account, seal

LATER = NOW + datetime.timedelta(days=10)


def sha(package):
    return hashlib.sha256(Path(package.file.path).read_bytes()).hexdigest()


def waiting_snapshot(org):
    """A second account whose half-year snapshot is not captured yet."""
    return Snapshot.objects.create(
        account=other_account(org, "Ekdala bibliotek"),
        period_key=PERIOD.key,
        reason=Reason.SEMIANNUAL,
        due_at=PERIOD.due_at,
        created_at=PERIOD.due_at,
    )


def test_a_receipt_records_the_package_checksum_and_its_snapshots(org, account):
    first = seal(account)
    second = seal(other_account(org, "Ekdala bibliotek"))
    arkivarie = org.people.arkivarie
    package = services.package_for_download(arkivarie, PERIOD, NOW)
    assert package.version == 1 and package.sha256 == sha(package) and package.complete
    assert package.name == "sm-testby-kommun-2026H2-v1.zip" and package.built_by == arkivarie
    # Downloading again with nothing changed hands out the same stored file.
    assert services.package_for_download(arkivarie, PERIOD, LATER) == package
    receipt = services.record_receipt(arkivarie, PERIOD.key, package.pk, now=LATER)
    assert receipt.package_sha256 == package.sha256 and not receipt.partial
    listed = {(s["id"], s["account"], s["version"], s["sha256"]) for s in receipt.snapshots}
    assert listed == {
        (first.pk, first.account_id, 1, first.sha256),
        (second.pk, second.account_id, 1, second.sha256),
    }
    assert receipt.missing == []


def test_a_package_that_no_longer_matches_the_snapshots_is_refused(org, account):
    seal(account)
    waiting = waiting_snapshot(org)
    arkivarie = org.people.arkivarie
    old = services.package_for_download(arkivarie, PERIOD, NOW)
    assert [m["account"] for m in old.missing] == [waiting.account_id]
    # The missing snapshot is sealed after the download: the old package is out of date.
    seal(waiting.account, version=2)
    with pytest.raises(services.SnapshotConflict, match="stämmer inte längre"):
        services.record_receipt(arkivarie, PERIOD.key, old.pk, partial=True, note="x", now=LATER)
    assert not Receipt.objects.exists()
    # The next download is a new package version, which is then acknowledged as complete.
    new = services.package_for_download(arkivarie, PERIOD, LATER)
    assert new.version == 2 and new.sha256 != old.sha256 and new.complete
    receipt = services.record_receipt(arkivarie, PERIOD.key, new.pk, now=LATER)
    assert receipt.package == new and len(receipt.snapshots) == 2
    assert Package.objects.count() == 2


def test_an_incomplete_package_is_acknowledged_only_as_partial_with_the_missing_listed(
    org, account
):
    seal(account)
    waiting = waiting_snapshot(org)
    arkivarie = org.people.arkivarie
    package = services.package_for_download(arkivarie, PERIOD, NOW)
    with pytest.raises(services.SnapshotConflict, match="ofullständig: 1 konton saknas"):
        services.record_receipt(arkivarie, PERIOD.key, package.pk, now=LATER)
    with pytest.raises(services.SnapshotConflict, match="kommentar"):
        services.record_receipt(arkivarie, PERIOD.key, package.pk, partial=True, now=LATER)
    receipt = services.record_receipt(
        arkivarie, PERIOD.key, package.pk, partial=True, note="Ekdala saknas", now=LATER
    )
    assert receipt.partial and receipt.note == "Ekdala saknas"
    assert [(m["account"], m["name"]) for m in receipt.missing] == [
        (waiting.account_id, "Ekdala bibliotek")
    ]


def test_a_complete_package_is_not_a_partial_receipt(org, account):
    seal(account)
    package = services.package_for_download(org.people.arkivarie, PERIOD, NOW)
    with pytest.raises(services.SnapshotConflict, match="komplett"):
        services.record_receipt(
            org.people.arkivarie, PERIOD.key, package.pk, partial=True, note="x", now=LATER
        )


def test_a_stored_package_that_was_changed_is_not_handed_out(org, account):
    seal(account)
    package = services.package_for_download(org.people.arkivarie, PERIOD, NOW)
    with open(package.file.path, "ab") as handle:
        handle.write(b"appended")
    with pytest.raises(PackageError, match="does not match"):
        services.package_for_download(org.people.arkivarie, PERIOD, LATER)
