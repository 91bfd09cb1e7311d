"""REST for the hall's managers: complaints from acceptance to closing, follow-ups of bad
ratings, flagged one-time notices and the dashboard's reports. Each view turns into a
hall-loop request of ``handlers/complaint.py``, ``followup.py``, ``case.py`` or ``report.py`` (the handlers check the finer rules, e.g. that
only the named clerk answers a complaint)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from .auth import requires
from .common import call, json_body, request_actor
from .document import documented

manage_api = Blueprint("manage", __name__)


def _args(*names: str) -> dict[str, Any]:
    return {n: request.args.get(n) for n in names if request.args.get(n) is not None}


def _with(name: str, value: str) -> dict[str, Any]:
    body = json_body()
    body[name] = value
    return body


# ------------------------------------------------------------------ complaints
@manage_api.get("/complaints")
@requires("manager")
@documented(
    "Complaints (manager): by state (open = not closed), overdue ones marked, oldest first",
    "complaint.list",
    query=("state", "overdue", "limit"),
    errors=(400, 503),
)
def complaint_list():  # type: ignore[no-untyped-def]
    return call("complaint.list", _args("state", "overdue", "limit"), request_actor())


@manage_api.get("/complaints/<complaint_id>")
@requires("clerk")
@documented(
    "One complaint with its deadlines (manager, or the clerk named to handle it)",
    "complaint.get",
    path={"complaint_id": "complaint"},
)
def complaint_get(complaint_id: str):  # type: ignore[no-untyped-def]
    return call("complaint.get", {"complaint": complaint_id}, request_actor())


@manage_api.post("/complaints/<complaint_id>/accept")
@requires("manager")
@documented(
    "Accept a filed complaint (受理, manager), naming the clerk who answers; the answer deadline starts",
    "complaint.accept",
    path={"complaint_id": "complaint"},
)
def complaint_accept(complaint_id: str):  # type: ignore[no-untyped-def]
    return call("complaint.accept", _with("complaint", complaint_id), request_actor())


@manage_api.post("/complaints/<complaint_id>/answer")
@requires("clerk")
@documented(
    "Answer an accepted complaint (答复): the named clerk or a manager",
    "complaint.answer",
    path={"complaint_id": "complaint"},
)
def complaint_answer(complaint_id: str):  # type: ignore[no-untyped-def]
    return call("complaint.answer", _with("complaint", complaint_id), request_actor())


@manage_api.post("/complaints/<complaint_id>/close")
@requires("manager")
@documented(
    "Close an answered complaint (办结, manager)", "complaint.close", path={"complaint_id": "complaint"}
)
def complaint_close(complaint_id: str):  # type: ignore[no-untyped-def]
    return call("complaint.close", _with("complaint", complaint_id), request_actor())


# ------------------------------------------------------------------ follow-ups
@manage_api.get("/follow-ups")
@requires("manager")
@documented(
    "Follow-ups of bad ratings (差评整改, manager): open by default, earliest deadline first",
    "followup.list",
    query=("state", "overdue", "limit"),
    errors=(400, 503),
)
def followup_list():  # type: ignore[no-untyped-def]
    return call("followup.list", _args("state", "overdue", "limit"), request_actor())


@manage_api.post("/follow-ups/<evaluation_id>/answer")
@requires("manager")
@documented(
    "Answer the follow-up of a bad rating (manager; once)",
    "followup.answer",
    path={"evaluation_id": "evaluation"},
)
def followup_answer(evaluation_id: str):  # type: ignore[no-untyped-def]
    return call("followup.answer", _with("evaluation", evaluation_id), request_actor())


# ------------------------------------------------------------------ notices and reports
@manage_api.get("/cases/flagged-notices")
@requires("manager")
@documented(
    "Later one-time notices that asked for materials the first did not list (manager), newest first",
    "case.flagged_notices",
    query=("limit",),
    errors=(400, 503),
)
def flagged_notices():  # type: ignore[no-untyped-def]
    return call("case.flagged_notices", _args("limit"), request_actor())


@manage_api.get("/reports/dashboard")
@requires("manager")
@documented(
    "The manager dashboard: 三四三/五三二 of the catalogue and of closed cases, visit shares, cards by "
    "department, ratings by window and clerk, with Chinese and English labels",
    "report.dashboard",
    query=("since", "until"),
    errors=(400, 503),
)
def report_dashboard():  # type: ignore[no-untyped-def]
    return call("report.dashboard", _args("since", "until"), request_actor())


@manage_api.get("/reports/queue")
@requires("manager")
@documented(
    "Queue statistics of a period (manager): arrivals by hour and weekday, waiting-time distribution, "
    "service time by item and clerk, no-shows, transfers, share served within target",
    "report.queue",
    query=("since", "until"),
    errors=(400, 503),
)
def report_queue():  # type: ignore[no-untyped-def]
    return call("report.queue", _args("since", "until"), request_actor())


# ------------------------------------------------------------------ the hall floor
@manage_api.get("/help-calls")
@requires("manager")
@documented(
    "Open help calls from the kiosks (呼叫工作人员), oldest first (manager)", "hall.help_calls", errors=(400, 503)
)
def help_calls():  # type: ignore[no-untyped-def]
    return call("hall.help_calls", {}, request_actor())


@manage_api.get("/floor")
@requires("manager")
@documented(
    "Waiting per item and stream against the wait targets, and today's share called within target (manager)",
    "hall.floor",
    errors=(400, 503),
)
def floor():  # type: ignore[no-untyped-def]
    return call("hall.floor", {}, request_actor())


@manage_api.post("/help-calls/<int(min=1):help_id>/answer")
@requires("manager")
@documented(
    "A manager went to the kiosk: the help call ends (manager)", "hall.help_answered", body=False
)
def help_call_answer(help_id: int):  # type: ignore[no-untyped-def]
    return call("hall.help_answered", {"help_id": help_id}, request_actor())


@manage_api.get("/devices/health")
@requires("manager")
@documented(
    "The newest health of every device the kiosks and displays reported, worst first (manager)",
    "device.health_table",
    errors=(400, 503),
)
def devices_health():  # type: ignore[no-untyped-def]
    return call("device.health_table", {}, request_actor())
