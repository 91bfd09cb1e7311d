"""Every visitor-facing text of the kiosk, in Chinese (the default) and English.

One table, so a label is translated once and the same wording is used on every screen, and a
test can check that nothing is half translated. Screens ask ``T("take_number", lang)``; texts
with a blank to fill name it in braces (``T("people_ahead", lang, n=3)``), the same names in
both languages. Catalogue texts (item names, guides) come with the catalogue, not from here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

DEFAULT_LANG = "zh"


@dataclass(frozen=True, slots=True)
class Text:
    """A text in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: str = DEFAULT_LANG) -> str:
        """The text in ``lang`` ("zh" or "en"; anything starting with "en" gives English)."""
        return self.en if lang.lower().startswith("en") else self.zh


TEXTS: dict[str, Text] = {
    # --- home screen
    "take_number": Text("取号", "Take a number"),
    "appointment_checkin": Text("预约签到", "Appointment check-in"),
    "service_guides": Text("办事指南", "Service guides"),
    "self_service": Text("自助申报", "Self-service application"),
    "track_case": Text("办件查询", "Track my case"),
    "print_certificate": Text("证照打印", "Print my certificate"),
    "rate_service": Text("服务评价", "Rate our service"),
    "complaint": Text("投诉建议", "Complaint"),
    "call_staff": Text("呼叫工作人员", "Call staff for help"),
    "elder_mode": Text("长辈版", "Elder mode"),
    "standard_mode": Text("标准版", "Standard mode"),
    "switch_language": Text("English", "中文"),  # the button shows the language it switches to
    "read_aloud": Text("语音播报", "Read aloud"),
    # --- navigation and common buttons
    "back": Text("返回", "Back"),
    "home": Text("首页", "Home"),
    "confirm": Text("确认", "Confirm"),
    "cancel": Text("取消", "Cancel"),
    "next_step": Text("下一步", "Next"),
    "try_again": Text("重试", "Try again"),
    "more": Text("更多", "More"),
    # --- choosing a service item
    "citizen_services": Text("个人办事", "Personal services"),
    "enterprise_services": Text("企业办事", "Business services"),
    "search_hint": Text("输入事项名称或拼音首字母", "Type a service name or its pinyin initials"),
    "no_results": Text("没有找到相关事项，请换个词试试", "No matching service; please try other words"),
    "must_go_to_window": Text("该事项需到窗口办理", "This service is handled at a window"),
    "can_self_serve": Text("可在本机自助办理", "You can do this here at the kiosk"),
    "no_need_to_bring": Text("可免交（电子证照核验）", "No need to bring (checked as an e-certificate)"),
    # --- ticket
    "your_number": Text("您的号码", "Your number"),
    "people_ahead": Text("前面还有 {n} 人", "{n} people ahead of you"),
    "estimated_wait": Text("预计等候", "Estimated wait"),
    "listen_for_call": Text("请留意叫号和大屏显示", "Please listen for your number and watch the screens"),
    "take_slip": Text("请取走号票", "Please take your ticket"),
    "track_on_phone": Text("扫码可在手机上查看排队进度", "Scan the code to follow the queue on your phone"),
    "green_channel": Text("绿色通道", "Priority service"),
    # --- identity card
    "place_id_card": Text("请将身份证放在读卡区", "Please place your ID card on the reader"),
    "reading_card": Text("正在读卡，请勿移动证件", "Reading the card; please do not move it"),
    "card_read_failed": Text(
        "读卡失败，请将身份证平放在读卡区并保持不动", "Could not read the card. Put it flat on the reader and hold it still"
    ),
    "card_expired": Text("身份证已过有效期，请到窗口办理", "This ID card has expired; please go to a window"),
    "scan_code": Text("请将二维码对准扫码口", "Hold the QR code up to the scanner"),
    # --- devices
    "printer_out_of_paper": Text("打印机缺纸，请联系工作人员", "The printer is out of paper. Please ask a member of staff"),
    "printer_failed": Text("打印机故障，请联系工作人员", "The printer is not working. Please ask a member of staff"),
    "scanner_failed": Text("扫码设备暂时无法使用，请联系工作人员", "The scanner is not working. Please ask a member of staff"),
    "camera_failed": Text("摄像头暂时无法使用，请联系工作人员", "The camera is not working. Please ask a member of staff"),
    "printing": Text("正在打印，请稍候", "Printing, please wait"),
    "print_done": Text("打印完成，请取走", "Printed. Please take it"),
    # --- server and hall state
    "server_unreachable": Text(
        "暂时无法连接服务器，取号等功能暂停使用；办事指南仍可查看",
        "Cannot reach the server right now. Numbers cannot be issued; service guides are still available",
    ),
    "info_may_be_outdated": Text("以下信息可能不是最新的", "This information may be out of date"),
    "hall_closed": Text("当前不在办公时间，暂停取号", "The hall is closed; no numbers are being issued now"),
    "daily_cap_reached": Text(
        "该事项今日号源已满，请明天再来或网上预约",
        "Today's numbers for this service are all taken. Please come back tomorrow or book online",
    ),
    "processing": Text("正在处理，请稍候", "Processing, please wait"),
    "failed_ask_staff": Text("操作未成功，请重试或联系工作人员", "That did not work. Please try again or ask a member of staff"),
    "staff_called": Text("已通知工作人员，请稍候", "A member of staff is on the way"),
    # --- appointments, cases, certificates
    "appointment_not_found": Text("没有找到您今天的预约", "No appointment found for you today"),
    "checked_in": Text("签到成功", "You are checked in"),
    "appointment_too_early": Text(
        "还未到预约时段，请在 {start} 后签到", "Your time slot has not started; please check in after {start}"
    ),
    "case_not_found": Text("没有找到该办件，请核对编号", "No case found with that number; please check it"),
    "no_certificate": Text("暂无可打印的证照", "There is no certificate to print"),
    # --- idle reset
    "idle_more_time": Text("还需要更多时间吗？", "Do you need more time?"),
    "idle_continue": Text("继续办理", "Yes, continue"),
    "idle_returning": Text("{seconds} 秒后返回首页", "Returning to the home screen in {seconds} s"),
    # --- evaluation (好差评): the five levels of the national scheme
    "rate_very_satisfied": Text("非常满意", "Very satisfied"),
    "rate_satisfied": Text("满意", "Satisfied"),
    "rate_fairly_satisfied": Text("基本满意", "Fairly satisfied"),
    "rate_dissatisfied": Text("不满意", "Dissatisfied"),
    "rate_very_dissatisfied": Text("非常不满意", "Very dissatisfied"),
    "thanks_for_rating": Text("感谢您的评价", "Thank you for your rating"),
}


def T(key: str, lang: str = DEFAULT_LANG, **blanks: object) -> str:
    """The text ``key`` in ``lang``, its ``{blanks}`` filled in.

    An unknown key is logged and shown as itself: a visitor seeing ``take_numbr`` is better
    off than one facing a crashed kiosk."""
    text = TEXTS.get(key)
    if text is None:
        log.error("no kiosk text %r", key)
        return key
    value = text.get(lang)
    return value.format(**blanks) if blanks else value
