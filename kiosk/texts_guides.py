"""The visitor-facing texts of the service guides (办事指南): the list, one item's guide, and
printing its materials checklist. ``key: (中文, English)``; values in ``{braces}`` are filled
in by ``app.tr(key, name=value)``. To be folded into ``kiosk/texts.py``."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # the list
    "guides_title": ("办事指南", "Service guides"),
    "guides_choose_stream": ("请选择要查看哪一类办事指南", "Which guides would you like to read?"),
    "guides_choose_theme": ("请选择主题", "Choose a topic"),
    "guides_choose_item": ("请选择事项，查看它的办事指南", "Choose an item to read its guide"),
    "guides_none": ("这一主题暂无事项", "There are no items under this topic"),
    "guides_search": ("查找办事指南", "Find a guide"),
    "guides_stale": (
        "暂时无法连接服务器，以下指南可能不是最新版本，请以窗口告知为准",
        "The server cannot be reached: these guides may be out of date; the window staff have the latest",
    ),
    # one item's guide
    "guide_missing": ("目录中没有这个事项", "This item is not in the catalogue"),
    "guide_code": ("事项编号：{code}", "Item code: {code}"),
    "guide_online": ("可全程网上办理", "Can be done fully online"),
    "guide_commitment": ("可告知承诺办理", "Commitment-based approval possible"),
    "guide_self_service": ("可在本机自助申报", "Can be applied for at this kiosk"),
    "material_copies": ("{copies}份", "Copies: {copies}"),
    "material_original": ("原件", "Original"),
    "material_copy": ("复印件", "Photocopy"),
    "material_required": ("必须提交", "Required"),
    "material_optional": ("视情况提交", "If it applies to you"),
    "material_note": ("说明：{note}", "Note: {note}"),
    "material_e_certificate": (
        "免提交：可用电子证照「{name}」代替",
        "Not needed: e-certificate {name} is checked instead",
    ),
    "guide_no_forms": ("无需下载表格", "No forms to download"),
    "guide_no_samples": ("暂无示范文本", "No samples"),
    "guide_form_where": ("可在窗口领取，或在网上办事大厅下载", "Ask at a window, or download it from the online service hall"),
    "sample_errors": ("常见错误：", "Common mistakes:"),
    "fees_basis": ("收费依据：{text}", "Basis: {text}"),
    "fees_standard": ("收费标准：{text}", "Standard: {text}"),
    "limits_statutory": ("法定办结时限：{days}个工作日", "Statutory time limit: {days} working days"),
    "limits_promised": ("承诺办结时限：{days}个工作日", "Promised time limit: {days} working days"),
    "limits_on_the_spot": ("承诺办结时限：即办（当场办结）", "Promised time limit: done on the spot"),
    "consultation_phone": ("咨询电话：{phone}", "Phone: {phone}"),
    "consultation_hours": ("咨询时间：{hours}", "Hours: {hours}"),
    "office_hours": ("办公时间：{hours}", "Opening hours: {hours}"),
    "office_address": ("办公地址：{address}", "Address: {address}"),
    # the buttons and what they answer
    "guide_print_checklist": ("打印材料清单", "Print the checklist"),
    "guide_take_number": ("为此事项取号", "Take a number for this"),
    "guide_apply": ("自助申报", "Apply here"),
    "checklist_printing": ("正在打印材料清单，请稍候", "Printing the checklist, please wait"),
    "checklist_printed": ("材料清单已打印，请在出纸口取走", "The checklist is printed: please take it from the slot"),
    "checklist_not_printed": (
        "材料清单未能打印：{reason}。您可以拍下本页，或到咨询台领取",
        "The checklist could not be printed: {reason}. You may photograph this page or ask at the enquiry desk",
    ),
}
