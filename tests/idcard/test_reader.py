"""The real driver against the simulated reader through a real pseudo-terminal."""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import pytest

from idcard.card import CardKind
from idcard.cardfile import sample
from idcard.errors import (
    CardRemovedError,
    ChecksumError,
    GarbageBytes,
    NoCardError,
    ReaderDisconnected,
    ReaderTimeout,
    ReaderUnavailable,
    SamError,
    TruncatedFrame,
)
from idcard.reader import (
    CardEvent,
    CardPlaced,
    CardPoller,
    CardRead,
    CardReadFailed,
    CardRemoved,
    ReaderLost,
    ReaderReady,
    SamReader,
)
from idcard.simulator import IdCardReaderSimulator
from tests.support.wait import wait_for


def place(sim: IdCardReaderSimulator, name: str) -> None:
    sim.place(sample(name))


def test_reads_every_sample_card_end_to_end(sim: IdCardReaderSimulator, reader: SamReader) -> None:
    for name in ("resident_long_term", "resident_expired", "hmt_permit_J", "foreign_permanent_I"):
        expected = sample(name)
        place(sim, name)
        card = reader.read_card()
        assert card == expected
    assert sim.commands["find"] == 4 and sim.commands["select"] == 4 and sim.commands["read"] == 4
    assert reader.stats.retries == 0


def test_resident_card_fields_as_read(sim: IdCardReaderSimulator, reader: SamReader) -> None:
    place(sim, "resident_long_term")
    card = reader.read_card()
    assert (card.kind, card.name, card.sex, card.nation) == (CardKind.RESIDENT, "李文静", "女", "汉")
    assert card.valid_to is None and card.masked_id == "1101**********0024"
    assert card.photo.data == sample("resident_long_term").photo.data


def test_fingerprint_read(sim: IdCardReaderSimulator, reader: SamReader) -> None:
    place(sim, "resident_fingerprint")
    card = reader.read_card(fingerprint=True)
    assert card.fingerprint is not None and len(card.fingerprint) == 1024
    assert card.fingerprint == sample("resident_fingerprint").fingerprint
    place(sim, "resident_long_term")  # a card without fingerprint data: length 0
    assert reader.read_card(fingerprint=True).fingerprint == b""


def test_sam_commands(reader: SamReader) -> None:
    reader.reset()
    reader.sam_status()
    assert reader.sam_id() == "05.01-20250101-0000012345-1234567890"


def test_no_card(sim: IdCardReaderSimulator, reader: SamReader) -> None:
    sim.remove()
    assert reader.find_card() is False
    with pytest.raises(NoCardError, match="未检测到证件"):
        reader.read_card()


# --- injected faults: each gives its typed error, and the next card reads -----------------------


def test_checksum_error_is_typed_then_recovered(sim: IdCardReaderSimulator, reader: SamReader) -> None:
    reader.retries = 0
    sim.inject("checksum@read")
    with pytest.raises(ChecksumError):
        reader.read_card()
    assert reader.read_card() == sim.card
    assert reader.stats.checksum_errors == 1


def test_checksum_error_is_retried_transparently(sim: IdCardReaderSimulator, reader: SamReader) -> None:
    sim.inject("checksum@read")
    assert reader.read_card() == sim.card
    assert reader.stats.checksum_errors == 1 and reader.stats.retries == 1
    assert sim.commands["read"] == 2


def test_garbage_between_frames_is_reported_and_ignored(
    sim: IdCardReaderSimulator, reader: SamReader
) -> None:
    reader.retries = 0
    sim.inject("garbage=40@read")
    assert reader.read_card() == sim.card
    assert reader.stats.garbage_bytes == 40
    assert any(isinstance(e, GarbageBytes) for e in reader.events)


def test_no_card_fault(sim: IdCardReaderSimulator, reader: SamReader) -> None:
    sim.inject("no-card")
    with pytest.raises(NoCardError):
        reader.read_card()
    assert reader.read_card() == sim.card


def test_card_removed_mid_read(sim: IdCardReaderSimulator, reader: SamReader) -> None:
    sim.inject("removed-mid-read=0.5")
    with pytest.raises(CardRemovedError) as info:
        reader.read_card()
    assert isinstance(info.value.__cause__, TruncatedFrame)
    assert sim.card is None
    place(sim, "hmt_permit_J")
    assert reader.read_card().kind is CardKind.HMT_PERMIT


def test_card_removed_mid_read_without_retries_is_a_truncated_frame(
    sim: IdCardReaderSimulator, reader: SamReader
) -> None:
    reader.retries = 0
    sim.inject("removed-mid-read")
    with pytest.raises(TruncatedFrame):
        reader.read_card()
    place(sim, "resident_expired")
    assert reader.read_card().name == "王志强"


def test_slow_reply_within_timeout_succeeds(sim: IdCardReaderSimulator, reader: SamReader) -> None:
    sim.inject("slow=0.2@read")
    start = time.monotonic()
    assert reader.read_card() == sim.card
    assert time.monotonic() - start >= 0.2
    assert reader.stats.timeouts == 0


def test_reply_later_than_timeout_times_out_and_the_late_reply_is_not_misread(
    sim: IdCardReaderSimulator, reader: SamReader
) -> None:
    reader.retries = 0
    sim.inject("slow=0.7@find")
    with pytest.raises(ReaderTimeout):
        reader.find_card()
    # The late find reply is still on its way; the next sequence must not take it for a
    # select or read reply.
    place(sim, "foreign_permanent_I")
    assert reader.read_card().kind is CardKind.FOREIGN_PERMANENT


def test_a_stale_reply_is_skipped_not_taken_for_the_next_command(
    sim: IdCardReaderSimulator, reader: SamReader
) -> None:
    reader.retries = 0
    sim.inject("slow=0.7@find")
    with pytest.raises(ReaderTimeout):
        reader.find_card()
    # The select goes out while the find reply is still on its way: the driver must not take
    # that (9F, 4 bytes) for the select reply (90, 8 bytes).
    assert reader.select_card() == bytes(8)
    assert reader.stats.stale_frames == 1


def test_slow_reply_is_retried(sim: IdCardReaderSimulator, reader: SamReader) -> None:
    sim.inject("slow=0.7@select")
    assert reader.read_card() == sim.card
    assert reader.stats.timeouts == 1


@pytest.mark.parametrize(("code", "where"), [(0x60, "sam-status"), (0x66, "read"), (0x31, "find")])
def test_sam_failure_codes(sim: IdCardReaderSimulator, reader: SamReader, code: int, where: str) -> None:
    sim.inject(f"sam={code:x}@{where}")
    with pytest.raises(SamError) as info:
        if where == "sam-status":
            reader.sam_status()
        else:
            reader.read_card()
    assert info.value.sw3 == code
    assert sim.commands[where] == 1  # a SAM failure is an answer, not noise: not retried
    assert reader.read_card() == sim.card


# --- unplug and replug ----------------------------------------------------------------------------


def test_unplug_and_replug_at_the_same_path(sim: IdCardReaderSimulator, reader: SamReader) -> None:
    path = sim.path
    assert reader.read_card() == sim.card
    sim.unplug()
    assert not Path(path).exists()
    with pytest.raises(ReaderDisconnected):
        reader.find_card()
    assert not reader.is_open
    with pytest.raises(ReaderUnavailable):
        reader.open()
    assert sim.replug() == path
    reader.open()
    assert reader.read_card() == sim.card


def test_unplug_while_a_reply_is_on_the_wire(tmp_path: Path) -> None:
    # Real pacing: the read reply takes 112 ms, and the cable goes at ~50 ms.
    sim = IdCardReaderSimulator([sample("resident_long_term")], link=tmp_path / "r", time_scale=1.0)
    sim.start()
    try:
        with SamReader(sim.path, retries=0) as reader:
            reader.find_card()
            reader.select_card()
            errors: queue.Queue[BaseException | None] = queue.Queue()

            def read() -> None:
                try:
                    reader.read_raw()
                    errors.put(None)
                except BaseException as exc:
                    errors.put(exc)

            worker = threading.Thread(target=read)
            worker.start()
            time.sleep(0.05)  # on purpose: the cable goes while the 112 ms reply is on the wire
            sim.unplug()
            worker.join(5)
            assert isinstance(errors.get_nowait(), ReaderDisconnected | TruncatedFrame)
        sim.replug()
        with SamReader(sim.path) as reader:
            assert reader.read_card().name == "李文静"
    finally:
        sim.stop()


def test_missing_port_is_reader_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ReaderUnavailable, match="未找到身份证读卡器"):
        SamReader(str(tmp_path / "nothing")).open()


# --- baud rates -----------------------------------------------------------------------------------


def test_switching_baud_rate(sim: IdCardReaderSimulator, reader: SamReader) -> None:
    reader.set_baud(9600)
    assert sim.baud == 9600 and reader.baud == 9600
    assert reader.read_card() == sim.card
    reader.set_baud(115200)
    assert reader.read_card() == sim.card


def test_wrong_baud_rate_gets_no_answer(sim: IdCardReaderSimulator) -> None:
    with SamReader(sim.path, 9600, timeout=0.2, retries=0) as reader, pytest.raises(ReaderTimeout):
        reader.sam_status()


# --- the polling loop -----------------------------------------------------------------------------


def collect(events: queue.Queue[CardEvent], want: type, timeout: float = 5.0) -> list[CardEvent]:
    """Events up to and including the first of type ``want``."""
    got: list[CardEvent] = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            event = events.get(timeout=end - time.monotonic())
        except queue.Empty:
            break
        got.append(event)
        if isinstance(event, want):
            return got
    raise AssertionError(f"no {want.__name__} in {got}")


def test_poller_reports_placed_read_removed_and_survives_unplug(sim: IdCardReaderSimulator) -> None:
    reader = SamReader(sim.path, timeout=0.3, read_timeout=0.5, gap_timeout=0.05)
    poller = CardPoller(reader, interval=0.02, reconnect_interval=0.05)
    poller.start()
    try:
        got = collect(poller.events, CardRead)
        assert [type(e) for e in got] == [ReaderReady, CardPlaced, CardRead]
        assert isinstance(got[-1], CardRead) and got[-1].card == sim.card
        assert poller.condition[0] == "ok"

        sim.remove()
        assert [type(e) for e in collect(poller.events, CardRemoved)] == [CardRemoved]
        place(sim, "hmt_permit_J")
        got = collect(poller.events, CardRead)
        assert [type(e) for e in got] == [CardPlaced, CardRead]

        sim.unplug()
        got = collect(poller.events, ReaderLost)
        assert [type(e) for e in got] == [CardRemoved, ReaderLost]
        wait_for(lambda: poller.condition[0] == "missing", message=lambda: f"condition {poller.condition}")
        sim.replug()
        got = collect(poller.events, CardRead)
        assert [type(e) for e in got] == [ReaderReady, CardPlaced, CardRead]
        assert isinstance(got[-1], CardRead) and got[-1].card.kind is CardKind.HMT_PERMIT
    finally:
        poller.stop()


def test_poller_reports_a_failed_read_and_reads_the_card_placed_again(sim: IdCardReaderSimulator) -> None:
    reader = SamReader(sim.path, timeout=0.3, read_timeout=0.5, gap_timeout=0.05, retries=0)
    poller = CardPoller(reader, interval=0.02, reconnect_interval=0.05)
    sim.remove()
    sim.inject("checksum@read")
    poller.start()
    try:
        assert [type(e) for e in collect(poller.events, ReaderReady)] == [ReaderReady]
        place(sim, "resident_expired")
        got = collect(poller.events, CardReadFailed)
        assert isinstance(got[-1], CardReadFailed) and isinstance(got[-1].error, ChecksumError)
        sim.remove()
        collect(poller.events, CardRemoved)
        place(sim, "resident_expired")
        got = collect(poller.events, CardRead)
        assert isinstance(got[-1], CardRead) and got[-1].card.status() == "expired"
    finally:
        poller.stop()
