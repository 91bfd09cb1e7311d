"""Sample slips and a sample certificate, for ``--demo`` and for looking at layouts."""

from __future__ import annotations

import datetime as dt

from printer.certificate import CertificatePrint
from printer.slips import AcceptanceReceipt, MaterialsChecklist, OneTimeNoticeSlip, TicketSlip

NOW = dt.datetime(2026, 11, 26, 9, 31)

TICKET = TicketSlip(
    hall_name="深圳市南山区政务服务中心",
    number="A012",
    item_name="不动产登记（二手房转移）",
    people_ahead=5,
    estimated_wait_min=15,
    issued_at=NOW,
    url="https://hall.example.gov.cn/m/ticket/H01-20261126-A012?token=8f3a2c9d",
    advice="请留意叫号，过号需重新取号。",
)

NOTICE = OneTimeNoticeSlip(
    case_number="NS-20261126-000123",
    missing_materials=(
        ("营业执照副本", "复印件加盖公章"),
        ("法定代表人身份证", "原件及复印件各一份，正反面印在同一张A4纸上"),
        ("房屋租赁合同", ""),
    ),
    where="3号综合窗口（一楼东侧）",
    deadline=dt.date(2026, 12, 3),
    officer_name="李明",
    officer_phone="0755-2612 3456",
    issued_at=NOW,
    item_name="食品经营许可（新办）",
    check_code="7Q4K",
)

RECEIPT = AcceptanceReceipt(
    case_number="NS-20261126-000123",
    item_name="食品经营许可（新办）",
    promised_date=dt.date(2026, 12, 10),
    progress_url="https://hall.example.gov.cn/m/case/NS-20261126-000123?code=7Q4K",
    check_code="7Q4K",
)

CHECKLIST = MaterialsChecklist(
    item_name="食品经营许可（新办）",
    materials=(
        "食品经营许可申请书",
        ("营业执照复印件", "加盖公章"),
        ("法定代表人身份证", "原件及复印件"),
        ("经营场所使用证明", "租赁合同或房产证复印件"),
        ("食品安全管理制度文本", ""),
    ),
)

CERTIFICATE = CertificatePrint(
    title="食品经营许可证",
    number="JY14403050012345",
    holder_name="深圳市南山区味道餐饮店（张三丰）",
    holder_id_number="11010519491231002X",
    department="深圳市市场监督管理局南山监管局",
    issued_on=dt.date(2026, 11, 20),
    valid_until=dt.date(2031, 11, 19),
    # as the queue server gives it (certificate.print's verification_url, queue_server.links)
    verify_url="https://hall.example.gov.cn/m/certificate/JY14403050012345?code=9F2KA1B2C3",
    fields=(
        ("经营场所 Premises", "深圳市南山区科技园南区高新南一道 9 号"),
        ("主体业态 Business type", "餐饮服务经营者（小型餐馆）"),
        ("经营项目 Scope", "热食类食品制售"),
    ),
    printed_at=dt.datetime(2026, 11, 26, 10, 30),
    kiosk_id="K-03",
)
