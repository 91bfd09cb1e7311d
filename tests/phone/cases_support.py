"""Driving a case over REST for the phone tests, as the window and the health bureau do:
submit at window 1 (chen, c01), one-time notice, accept, review, the bureau's decision,
result ready, hand-out."""

from __future__ import annotations

from typing import Any

import requests

from tests.support.hall import HallProcess

APPLICANT = "11010519491231002X"
ITEM = "C-WJ-002"  # 医师执业注册: health decides; yields a physician licence
#: What the window takes at submission; the notice asks for the rest.
GIVEN = ["id_card", "application_form"]
OWED = ["physician_qualification", "health_certificate", "employment_letter", "photo"]
#: The owed materials' names in the published guide, as the visitor reads them.
OWED_NAMES = ["医师资格证书", "健康体检证明", "拟执业医疗机构出具的聘用证明", "近期一寸免冠彩色照片"]


class Desk:
    """The staff's side of a case: a clerk at window 1 and the health bureau's reviewer."""

    def __init__(self, hall: HallProcess) -> None:
        self.hall = hall
        self.clerk = hall.token("clerk", clerk="c01")
        self.health = hall.token("clerk", clerk="d-health")

    def post(self, path: str, body: dict[str, Any], token: str | None = None, status: int = 200) -> dict[str, Any]:
        r = requests.post(
            f"{self.hall.http}/api/v1{path}",
            json=body,
            headers={"Authorization": f"Bearer {token or self.clerk}"},
            timeout=10,
        )
        assert r.status_code == status, r.text
        return r.json()

    def submit(self) -> tuple[str, str]:
        case = self.post(
            "/cases", {"item_code": ITEM, "id_number": APPLICANT, "name": "张三丰", "materials": GIVEN}, status=201
        )
        return case["id"], case["check_code"]

    def notice(self, case_id: str) -> None:
        self.post(f"/cases/{case_id}/notice", {"materials": OWED})

    def accept(self, case_id: str) -> None:
        self.post(f"/cases/{case_id}/accept", {})

    def approve(self, case_id: str) -> None:
        self.post(f"/cases/{case_id}/review", {})
        self.post(f"/cases/{case_id}/decide", {"decision": "approved"}, self.health)

    def result_ready(self, case_id: str) -> None:
        self.post(f"/cases/{case_id}/result-ready", {})

    def hand_out(self, case_id: str) -> None:
        self.post(f"/cases/{case_id}/hand-out", {})

    def certificate(self, case_id: str) -> dict[str, Any]:
        """The case's certificate as the staff see it: its number and verification code."""
        r = requests.get(
            f"{self.hall.http}/api/v1/cases/{case_id}",
            headers={"Authorization": f"Bearer {self.clerk}"},
            timeout=10,
        )
        assert r.status_code == 200, r.text
        return r.json()["certificates"][0]

    def approved_case(self) -> tuple[str, str]:
        """A case approved straight away (every material given): its certificate issued."""
        case = self.post(
            "/cases",
            {"item_code": ITEM, "id_number": APPLICANT, "name": "张三丰", "materials": GIVEN + OWED},
            status=201,
        )
        self.accept(case["id"])
        self.approve(case["id"])
        return case["id"], case["check_code"]
