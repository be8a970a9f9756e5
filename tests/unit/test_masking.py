"""How the complainant is hidden (engine/cases/masking.py), reader by reader."""
from __future__ import annotations

from types import SimpleNamespace

from engine.cases.masking import (
    HIDDEN,
    PAPER,
    PUBLIC,
    case_redactor,
    complainant,
    complainant_on_paper,
    gets_masked_copy,
    mask_name,
    mask_phone,
    redact_case_text,
    redactor,
    scrub,
    visible_details,
)


def case(name="张三", phone="13800000000", anonymous=False):
    return SimpleNamespace(complainant_name=name, complainant_phone=phone, complainant_anonymous=anonymous)


def test_staff_see_the_first_character_and_the_ends_of_the_phone():
    assert (mask_name("张三"), mask_name("欧阳娜娜"), mask_name("李"), mask_name(None)) == ("张*", "欧***", "李*", "")
    assert mask_phone(" 13800000000 ") == "138****0000"
    assert (mask_phone("110"), mask_phone(""), mask_phone(None)) == ("****", "", "")


def test_redactor_masks_the_stored_strings_and_the_phone_digits_in_each_readers_style():
    text = "联系人张三，电话138-0000-0000（即13800000000），张三丰不是投诉人"
    person = case(phone=" 138-0000-0000 ")
    assert case_redactor(person)(text) == "联系人张*，电话138****0000（即138****0000），张*丰不是投诉人"
    assert case_redactor(person, PAPER)(text) == "联系人＊＊，电话＊＊＊＊＊＊＊＊＊＊＊＊＊（即＊＊＊＊＊＊＊＊＊＊＊），＊＊丰不是投诉人"
    assert case_redactor(person, PUBLIC)(text) == "联系人***，电话***（即***），***丰不是投诉人"
    # Another formatting of the number is the same number (more in tests/security/test_masking_free_text.py).
    assert case_redactor(case())("电话138 0000 0000") == "电话138****0000"
    # Without a stored complainant a name is just a name, but a phone number is still a phone number.
    assert case_redactor(case(name=None, phone=None))(text) == "联系人张三，电话138****0000（即138****0000），张三丰不是投诉人"


def test_longer_names_are_masked_whole_before_shorter_ones():
    redact = redactor([("张三", ""), ("张三丰", "13900000000")])
    assert redact("张三丰和张三，13900000000") == "张**和张*，139****0000"


def test_scrub_reaches_every_string_of_a_snapshot():
    snapshot = {"a": ["张三说", ("张三", 3)], "b": {"c": "找张三"}, "n": None}
    assert scrub(snapshot, case_redactor(case())) == {"a": ["张*说", ("张*", 3)], "b": {"c": "找张*"}, "n": None}
    assert scrub(snapshot, None) is snapshot


def test_pages_and_paper_show_the_complainant_by_the_readers_right():
    assert complainant(case(), True) == {"anonymous": False, "name": "张三", "phone": "13800000000"}
    assert complainant(case(), False) == {"anonymous": False, "name": "张*", "phone": "138****0000"}
    assert complainant(case(None, None, anonymous=True), True) == {"anonymous": True, "name": "", "phone": ""}
    assert complainant_on_paper(case(), False) == {"shown": False, "anonymous": False, "name": HIDDEN,
                                                   "phone": HIDDEN}
    assert complainant_on_paper(case(phone=None), True)["phone"] == ""
    assert complainant_on_paper(case(None, None, anonymous=True), False)["name"] == "匿名"


def test_contact_details_and_official_copies_follow_the_right_to_see():
    details = {"open311": {"service_code": "air"}, "contact": {"email": "a@example.org"}}
    assert visible_details(details, True) == details
    assert visible_details(details, False) == {"open311": {"service_code": "air"}}
    assert visible_details(None, False) is None
    assert gets_masked_copy(True, False) and not gets_masked_copy(True, True) and not gets_masked_copy(False, False)


# Texts where the complainant, their phone (full-width, spaced, a landline's local number alone)
# or the tracking code appear, or only look as if they might.
TEXTS = ["联系人张三，电话138-0000-0000", "张 三反映", "１３８００００００００来电", "电话 138 0000 0000，另 0531-8888 8888",
         "本地号码88888888", "跟踪码ab-cd 1234-ef", "编号ABCD1234EF", "无关的文字 2026-03-02 135.2 143.3",
         "王五 13912345678 wang@example.com", "", "张三丰"]
PEOPLE = [SimpleNamespace(complainant_name="张三", complainant_phone="13800000000", tracking_code="ABCD1234EF"),
          SimpleNamespace(complainant_name="欧阳娜娜", complainant_phone="0531-88888888", tracking_code=None),
          SimpleNamespace(complainant_name=None, complainant_phone="110", tracking_code="X1"),
          SimpleNamespace(complainant_name=" ", complainant_phone=None, tracking_code=" ")]


def test_the_cheap_case_text_redaction_answers_as_the_case_redactor_does():
    for person in PEOPLE:
        for style in (None, PAPER, PUBLIC):
            full = case_redactor(person, style) if style else case_redactor(person)
            for text in TEXTS + ["110报警", "欧阳娜娜"]:
                cheap = redact_case_text(person, text, style) if style else redact_case_text(person, text)
                assert cheap == full(text), (person, style, text)
