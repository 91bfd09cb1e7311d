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
    "reader_failed": Text("读卡器暂时无法使用，请联系工作人员", "The ID card reader is not working. Please ask a member of staff"),
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
    # --- home, navigation, keyboard
    "home_title": Text("政务服务自助终端", "Self-service kiosk"),
    "waiting_counts": Text("当前等候 {total} 人（个人 {citizen} · 企业 {enterprise}）",
                           "{total} waiting ({citizen} personal · {enterprise} business)"),
    "hello": Text("您好，{name}", "Hello, {name}"),
    "more_services": Text("更多服务（标准版）", "More services (standard mode)"),
    "done": Text("完成", "Done"),
    "ok": Text("知道了", "OK"),
    "key_space": Text("空格", "Space"),
    "key_delete": Text("删除", "Delete"),
    "key_clear": Text("清空", "Clear"),
    "elder_offer": Text("是否切换到长辈版？字更大，按钮更大，并有语音提示",
                        "Switch to elder mode? Larger text and buttons, with spoken guidance"),
    "elder_yes": Text("切换到长辈版", "Use elder mode"),
    "elder_no": Text("不用了", "No, thanks"),
    "idle_done": Text("结束办理", "I am finished"),
    # --- take a number
    "search_items": Text("按名称或拼音查找", "Search by name or pinyin"),
    "choose_stream": Text("请问您是办理个人事项还是企业事项？", "Is this for yourself or for a business?"),
    "choose_theme": Text("请选择事项类别", "Choose a category"),
    "choose_item": Text("请选择要办理的事项", "Choose the service"),
    "item_waiting": Text("当前 {count} 人等候", "{count} waiting"),
    "card_optional": Text("刷身份证取号：回访群众可回到原窗口，符合条件可走绿色通道（也可不刷卡直接取号）",
                          "Place your ID card to return to your first clerk or use the priority lane (optional)"),
    "signed_in_as": Text("已读取身份证：{name}", "ID card read: {name}"),
    "returning_clerk": Text("将为您预留首问窗口：{window} 号窗口 {name}", "Reserved for your first clerk: window {window}, {name}"),
    "issue_ticket": Text("确认取号", "Get my number"),
    "issue_green": Text("绿色通道取号（老年人等）", "Priority lane number (seniors and others)"),
    "no_ticket_unreachable": Text("暂时无法连接服务器，未能取号。请稍后再试或咨询工作人员",
                                  "Cannot reach the server: no number was issued. Please try again or ask staff"),
    "your_ticket": Text("您的号票", "Your ticket"),
    "green_channel_note": Text("绿色通道：优先办理", "Priority lane: served first"),
    "first_inquiry_note": Text("已为您预留首问工作人员", "Your first clerk is reserved for you"),
    "slip_not_printed": Text("号票未能打印，请记住号码或用手机拍下本页二维码",
                             "The ticket could not be printed: remember the number or photograph the QR code"),
    "no_printer": Text("本机没有打印机", "This kiosk has no printer"),
    "scan_to_follow": Text("手机扫码查看排队进度", "Scan to follow the queue on your phone"),
    "appointment_offer": Text("可以预约 {day} {slot} 时段办理", "You can book {day}, {slot}"),
    "appointment_later": Text("请改日再来或在网上预约", "Please come back another day or book online"),
    "book_slot": Text("刷身份证预约此时段", "Book this slot with my ID card"),
    "card_needed_for_booking": Text("预约需要刷身份证，请将身份证放在读卡区", "A booking needs your ID card: please place it on the reader"),
    "booked": Text("预约成功：{day} {slot}，预约号 {code}", "Booked: {day} {slot}, code {code}"),
    # --- appointment check-in
    "checkin_hint": Text("请扫描预约二维码、刷身份证或输入6位预约号", "Scan your booking QR, place your ID card, or type the 6-character code"),
    "checkin_found": Text("找到您今天的预约：{slot} {item}", "Your appointment today: {slot} {item}"),
    "checkin_none_today": Text("没有找到您今天的预约，可扫码或输入预约号", "No appointment today on this card: scan or type the code"),
    "checkin_mine": Text("签到此预约", "Check in this appointment"),
    "checkin_camera": Text("用摄像头扫码", "Scan with the camera"),
    "checkin_typed": Text("按预约号签到", "Check in with the code"),
    "checkin_bad_code": Text("没有识别到预约号，请重新扫码或输入", "No booking code found: scan again or type it"),
    "checkin_on_time": Text("签到成功，您将按预约优先办理", "Checked in: you keep your appointment's priority"),
    "checkin_late": Text("您已超过预约时间，号码将按现场取号顺序排队", "You are past your slot: your number waits like a walk-in's"),
    "camera_unavailable": Text("本机没有摄像头，请使用扫码口", "This kiosk has no camera: please use the scanner"),
    "camera_no_qr": Text("没有看到二维码，请将二维码正对摄像头", "No QR code seen: hold it up to the camera"),
    # --- track my case
    "track_hint": Text("请刷身份证，或扫描受理回执二维码，或输入办件编号和查询码",
                       "Place your ID card, scan the receipt's QR, or type the case number and check code"),
    "track_mine": Text("已读取身份证，可查看您名下的办件", "ID card read: you can see your cases"),
    "track_by_card": Text("查看我的办件", "Show my cases"),
    "case_number": Text("办件编号", "Case number"),
    "check_code": Text("查询码", "Check code"),
    "track_search": Text("查询", "Search"),
    "track_need_both": Text("请输入完整的办件编号（如 NS-20261201-000001）和查询码",
                            "Type the whole case number (like NS-20261201-000001) and the check code"),
    "track_bad_qr": Text("这不是受理回执的二维码", "This is not a receipt's QR code"),
    "track_no_cases": Text("您名下暂无在办的办件", "You have no open cases"),
    "progress": Text("办件进度", "Case progress"),
    "case_state": Text("当前状态：{state}", "Status: {state}"),
    "case_officer": Text("经办人：{name}  电话：{phone}", "Handling officer: {name}, phone {phone}"),
    "case_due": Text("承诺办结日期：{due}", "Due by: {due}"),
    "case_owed": Text("尚需补交：{materials}", "Still needed: {materials}"),
    # --- certificates
    "certs_face": Text("请正对摄像头，正在核验", "Please face the camera: checking"),
    "certs_face_failed": Text("未能确认是本人，请正对摄像头后重试，或到窗口办理",
                              "Could not confirm it is you: face the camera and try again, or go to a window"),
    "certs_face_retry": Text("重新核验", "Check again"),
    "certs_none": Text("{name}，您暂无可打印的证照", "{name}, you have no certificate to print"),
    "certs_choose": Text("{name}，请选择要打印的证照", "{name}, choose a certificate to print"),
    "certs_printed": Text("已打印", "printed"),
    "certs_saved": Text("未打印", "not printed"),
    "certs_take": Text("证照已打印，请在出纸口取走", "Printed: please take it from the tray"),
    "certs_not_printed": Text("证照未能打印，已保存，请联系工作人员", "Not printed (saved): please ask a member of staff"),
    # --- rating and complaints
    "rate_card": Text("请刷身份证，评价您今天办理的服务", "Place your ID card to rate today's services"),
    "rate_nothing": Text("您今天暂无可评价的服务", "Nothing to rate today"),
    "rate_which": Text("请选择要评价的服务", "Choose the service to rate"),
    "rate_how": Text("您对「{item}」的服务满意吗？", "How satisfied are you with {item}?"),
    "complaint_category": Text("投诉类别", "Category"),
    "complaint_attitude": Text("服务态度", "Attitude"),
    "complaint_efficiency": Text("办事效率", "Speed"),
    "complaint_discipline": Text("工作纪律", "Conduct"),
    "complaint_facilities": Text("环境设施", "Facilities"),
    "complaint_other": Text("其他", "Other"),
    "complaint_what": Text("发生了什么（可多选）", "What happened (choose any)"),
    "phrase_waited_long": Text("等候时间太长", "I waited too long"),
    "phrase_unclear_answer": Text("解答不清楚", "The answer was unclear"),
    "phrase_sent_away": Text("被推诿到别的窗口", "I was sent from window to window"),
    "phrase_rude": Text("工作人员态度不好", "Staff were rude"),
    "phrase_asked_again": Text("多次要求补交材料", "I was asked for more papers again and again"),
    "phrase_kiosk_broken": Text("自助设备不好用", "The kiosk did not work well"),
    "complaint_more": Text("补充说明", "More details"),
    "complaint_phone": Text("联系电话", "Phone"),
    "complaint_submit": Text("提交投诉", "Send complaint"),
    "complaint_need_category": Text("请选择投诉类别", "Please choose a category"),
    "complaint_need_text": Text("请选择或填写发生了什么", "Please say what happened"),
    "complaint_need_phone": Text("请填写可以联系到您的电话号码", "Please give a phone number we can call you on"),
    "complaint_filed": Text("投诉已受理，编号 {id}，我们将在 {due} 前与您联系", "Complaint {id} received: we will call you by {due}"),
    # --- help
    "help_calling": Text("正在呼叫工作人员…", "Calling staff…"),
    "help_unreachable": Text("暂时无法呼叫，请到咨询台找工作人员", "Could not call: please go to the information desk"),
    # --- service guides (办事指南)
    "guides_choose_stream": Text("请选择要查看哪一类办事指南", "Which guides would you like to read?"),
    "guides_choose_theme": Text("请选择主题", "Choose a topic"),
    "guides_choose_item": Text("请选择事项，查看它的办事指南", "Choose an item to read its guide"),
    "guides_none": Text("这一主题暂无事项", "There are no items under this topic"),
    "guides_search": Text("查找办事指南", "Find a guide"),
    "guides_stale": Text("暂时无法连接服务器，以下指南可能不是最新版本，请以窗口告知为准", "The server cannot be reached: these guides may be out of date; the window staff have the latest"),
    "guide_missing": Text("目录中没有这个事项", "This item is not in the catalogue"),
    "guide_code": Text("事项编号：{code}", "Item code: {code}"),
    "guide_online": Text("可全程网上办理", "Can be done fully online"),
    "guide_commitment": Text("可告知承诺办理", "Commitment-based approval possible"),
    "guide_self_service": Text("可在本机自助申报", "Can be applied for at this kiosk"),
    "material_copies": Text("{copies}份", "Copies: {copies}"),
    "material_original": Text("原件", "Original"),
    "material_copy": Text("复印件", "Photocopy"),
    "material_required": Text("必须提交", "Required"),
    "material_optional": Text("视情况提交", "If it applies to you"),
    "material_note": Text("说明：{note}", "Note: {note}"),
    "material_e_certificate": Text("免提交：可用电子证照「{name}」代替", "Not needed: e-certificate {name} is checked instead"),
    "guide_no_forms": Text("无需下载表格", "No forms to download"),
    "guide_no_samples": Text("暂无示范文本", "No samples"),
    "guide_form_where": Text("可在窗口领取，或在网上办事大厅下载", "Ask at a window, or download it from the online service hall"),
    "sample_errors": Text("常见错误：", "Common mistakes:"),
    "fees_basis": Text("收费依据：{text}", "Basis: {text}"),
    "fees_standard": Text("收费标准：{text}", "Standard: {text}"),
    "limits_statutory": Text("法定办结时限：{days}个工作日", "Statutory time limit: {days} working days"),
    "limits_promised": Text("承诺办结时限：{days}个工作日", "Promised time limit: {days} working days"),
    "limits_on_the_spot": Text("承诺办结时限：即办（当场办结）", "Promised time limit: done on the spot"),
    "consultation_phone": Text("咨询电话：{phone}", "Phone: {phone}"),
    "consultation_hours": Text("咨询时间：{hours}", "Hours: {hours}"),
    "office_hours": Text("办公时间：{hours}", "Opening hours: {hours}"),
    "office_address": Text("办公地址：{address}", "Address: {address}"),
    "guide_print_checklist": Text("打印材料清单", "Print the checklist"),
    "guide_take_number": Text("为此事项取号", "Take a number for this"),
    "guide_apply": Text("在本机自助申报", "Apply here"),
    "checklist_printing": Text("正在打印材料清单，请稍候", "Printing the checklist, please wait"),
    "checklist_printed": Text("材料清单已打印，请在出纸口取走", "The checklist is printed: please take it from the slot"),
    "checklist_not_printed": Text("材料清单未能打印：{reason}。您可以拍下本页，或到咨询台领取", "The checklist could not be printed: {reason}. You may photograph this page or ask at the enquiry desk"),
    # --- self-service application (自助申报)
    'apply_receipt_title': Text('受理回执', 'Acceptance receipt'),
    'apply_choose_item': Text('请选择要申报的事项', 'Choose what to apply for'),
    'apply_none': Text('本终端暂无可自助申报的事项，请到窗口办理', 'Nothing can be applied for at this kiosk now: please go to a window'),
    'apply_card_place': Text('请将申请人的身份证放在读卡区', "Place the applicant's ID card on the reader"),
    'apply_signed_in': Text('申请人：{name}（{id}）', 'Applicant: {name} ({id})'),
    'apply_continue': Text('使用此身份证继续', 'Continue with this card'),
    'apply_i_am_agent': Text('我是代办人（为他人申请）', 'I am applying for someone else'),
    'apply_for_myself': Text('我为自己申请', 'I am applying for myself'),
    'apply_agent_place': Text('请将代办人（您本人）的身份证放在读卡区', "Place your own ID card (the agent's) on the reader"),
    'apply_agent_signed_in': Text('代办人：{name}。请使用此身份证继续，或放上您的身份证', 'Agent: {name}. Continue with this card, or place yours'),
    'apply_applicant_type': Text('请输入申请人的姓名和身份证号码', "Type the applicant's name and ID number"),
    'apply_applicant_name': Text('申请人姓名', "Applicant's name"),
    'apply_applicant_id': Text('申请人身份证号码', "Applicant's ID number"),
    'apply_tap_to_type': Text('（点此输入）', '(tap to type)'),
    'apply_name_needed': Text('请输入申请人姓名', "Type the applicant's name"),
    'apply_id_invalid': Text('身份证号码有误：{reason}。请核对后重新输入', 'The ID number is wrong: {reason}. Check it and type it again'),
    'apply_agent_same': Text('申请人与代办人是同一人，请输入申请人的身份证号码', "That is the agent's own number: type the applicant's ID number"),
    'apply_fields_hint': Text('请核对并填写以下信息，点选一项即可修改', 'Check and fill in the details: tap one to change it'),
    'apply_no_fields': Text('本事项无需填写信息', 'Nothing to fill in for this item'),
    'apply_field_step': Text('第 {n} 项，共 {total} 项', 'Question {n} of {total}'),
    'apply_optional': Text('{label}（选填）', '{label} (optional)'),
    'apply_previous': Text('上一项', 'Previous'),
    'apply_empty': Text('未填写', 'not given'),
    'apply_materials_prompt': Text('请提供以下材料：可用电子证照代替的无需拍照', 'Provide these materials: those with an e-certificate need no photo'),
    'apply_if_applicable': Text('{name}（如有）', '{name} (if applicable)'),
    'apply_use_ecert': Text('用电子证照代替', 'Use the e-certificate'),
    'apply_ecert_undo': Text('已用电子证照（点此改为拍照）', 'E-certificate used (tap to photograph instead)'),
    'apply_ecert_used': Text('电子证照代替', 'replaced by the e-certificate'),
    'apply_take_photo': Text('拍照上传', 'Photograph it'),
    'apply_no_pages': Text('尚未提供', 'not given yet'),
    'apply_pages': Text('已拍 {count} 页，已上传 {uploaded} 页', '{count} page(s), {uploaded} uploaded'),
    'apply_upload_progress': Text('上传进度：{done}/{total} 页', 'Uploaded: {done} of {total} pages'),
    'apply_upload_failed': Text('{count} 页上传失败：{reason}。页面已保留，请点“重新上传”', '{count} page(s) not uploaded: {reason}. They are kept: tap Upload again'),
    'apply_upload_unreachable': Text('暂时无法连接服务器', 'the server cannot be reached just now'),
    'apply_retry_upload': Text('重新上传', 'Upload again'),
    'apply_retry_first': Text('还有页面未上传成功，请先点“重新上传”', 'Some pages are not uploaded yet: tap Upload again first'),
    'apply_wait_uploads': Text('页面正在上传，请稍候', 'Pages are still uploading: a moment, please'),
    'apply_place_page': Text('请将材料平放在拍摄区，然后点“拍摄”', 'Lay the page flat under the camera, then tap Take photo'),
    'apply_capturing': Text('正在拍摄，请保持材料不动……', 'Taking the photo: keep the page still…'),
    'apply_check_page': Text('请查看照片是否清晰完整', 'Check that the page is sharp and complete'),
    'apply_no_page': Text('没有找到完整的页面，请把材料放正、放平后重拍', 'No whole page was found: lay it straight and flat, then try again'),
    'apply_no_camera': Text('拍摄设备暂不可用，请到窗口提交纸质材料', 'The camera is not available: please hand in paper copies at a window'),
    'apply_camera_failed': Text('拍摄失败：{reason}', 'The photo failed: {reason}'),
    'apply_capture': Text('拍摄', 'Take photo'),
    'apply_retake': Text('重拍', 'Retake'),
    'apply_keep': Text('保留此页', 'Keep this page'),
    'apply_done_material': Text('完成此项材料', 'Done with this material'),
    'apply_pages_kept': Text('已保留 {count} 页', '{count} page(s) kept'),
    'apply_page_kept': Text('第 {n} 页已保留。还有下一页请继续拍摄，否则点“完成此项材料”', 'Page {n} kept. Photograph the next page, or tap Done'),
    'apply_review_prompt': Text('请核对申报信息，确认无误后提交', 'Check your application, then submit it'),
    'apply_review_applicant': Text('申请人：{name}  {id}', 'Applicant: {name}  {id}'),
    'apply_review_agent': Text('代办人：{name}  {id}', 'Agent: {name}  {id}'),
    'apply_review_pages': Text('已上传 {count} 页', '{count} page(s) uploaded'),
    'apply_review_missing': Text('未提供（可稍后补交）', 'not given (can be brought later)'),
    'apply_submit': Text('确认提交', 'Submit'),
    'apply_unreachable': Text('暂时无法连接服务器，申报尚未提交。请稍后再点“确认提交”，不会重复提交', 'The server cannot be reached: nothing was submitted yet. Tap Submit again in a moment; it will not be sent twice'),
    'apply_field_refused': Text('有一项信息需要修改，请查看标红的提示', 'One detail needs changing: see the message in red'),
    'apply_refused': Text('未能提交：{reason}', 'Not submitted: {reason}'),
    'apply_case_number': Text('办件编号：{number}', 'Case number: {number}'),
    'apply_promised': Text('承诺办结日期：{date}', 'Promised by: {date}'),
    'apply_promised_unknown': Text('以受理后通知为准', 'told once accepted'),
    'apply_check_code': Text('查询码：{code}', 'Check code: {code}'),
    'apply_printing': Text('正在打印受理回执……', 'Printing the receipt…'),
    'apply_take_receipt': Text('请取走受理回执', 'Please take your receipt'),
    'apply_not_printed': Text('回执未能打印：请拍下或记下本页的办件编号和查询码', 'The receipt could not be printed: photograph or note the case number and check code'),
    'apply_owed': Text('一次性告知：还需补交以下材料', 'Still needed (all at once):'),
    'apply_nothing_owed': Text('材料已齐全，请等待办理结果', 'All materials given: wait for the result'),
    'apply_scan_progress': Text('扫码查看办理进度', 'Scan to follow the case'),
    'apply_speak_case': Text('申报已提交，办件编号 {number}', 'Submitted: case number {number}'),
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
