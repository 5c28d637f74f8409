"""decode_bytes and sniff_html_charset: BOMs, UTF-8, declared charsets, GB18030, Big5, bad input."""
from __future__ import annotations

import codecs

import pytest

from auditor.load.encoding import decode_bytes, sniff_html_charset
from auditor.model.errors import LoadError

TEXT = "二、上年结转政府信息公开申请数量 18"


def test_plain_utf8():
    assert decode_bytes(TEXT.encode("utf-8")) == (TEXT, "utf-8")


@pytest.mark.parametrize("bom, codec, name", [
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
])
def test_byte_order_marks_win_and_are_removed(bom, codec, name):
    assert decode_bytes(bom + TEXT.encode(codec)) == (TEXT, name)


def test_utf16_without_bom_is_recognised_by_its_nul_pattern():
    page = "<html><body><p>" + TEXT + "</p></body></html>"
    assert decode_bytes(page.encode("utf-16-le")) == (page, "utf-16-le")


@pytest.mark.parametrize("declared", ["gb2312", "GBK", "gb18030", "x-gbk", "cp936"])
def test_gb_family_declared_decodes_as_gb18030(declared):
    assert decode_bytes(TEXT.encode("gb18030"), declared=declared) == (TEXT, "gb18030")


def test_gbk_bytes_without_a_declaration_decode_as_gb18030():
    assert decode_bytes(TEXT.encode("gbk")) == (TEXT, "gb18030")


def test_gb18030_only_characters():
    text = "㐀 𠀀 €"  # outside GBK: four-byte GB18030 sequences
    assert decode_bytes(text.encode("gb18030")) == (text, "gb18030")


def test_big5_declared():
    traditional = "上年結轉政府資訊公開申請數量"
    assert decode_bytes(traditional.encode("big5"), declared="big5") == (traditional, "big5")


def test_meta_charset_in_the_bytes_counts_as_declared():
    traditional = "上年結轉政府資訊公開申請數量"
    page = f'<html><head><meta charset="big5"></head><body>{traditional}</body></html>'
    assert decode_bytes(page.encode("big5")) == (page, "big5")


def test_utf8_beats_a_wrong_declaration():
    assert decode_bytes(TEXT.encode("utf-8"), declared="gb2312") == (TEXT, "utf-8")


def test_gb18030_beats_a_western_mislabel():
    assert decode_bytes(TEXT.encode("gb18030"), declared="iso-8859-1") == (TEXT, "gb18030")


def test_last_resort_keeps_the_text_with_replacement_characters():
    data = TEXT.encode("utf-8") + b"\xff" + "结束".encode("utf-8")
    text, encoding = decode_bytes(data)
    assert encoding == "utf-8"
    assert text == TEXT + "\ufffd结束"


@pytest.mark.parametrize("data", [b"", b"   \n\t  ", codecs.BOM_UTF8, codecs.BOM_UTF16_LE + "  ".encode("utf-16-le")])
def test_empty_input_is_file_empty(data):
    with pytest.raises(LoadError) as raised:
        decode_bytes(data)
    assert raised.value.code == "file-empty"
    assert raised.value.message == "文件为空"
    assert raised.value.message_en == "the file is empty"


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",  # NUL bytes
    bytes(range(1, 32)) * 10 + b"abc",  # mostly control characters
    b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
])
def test_binary_input_is_file_binary(data):
    with pytest.raises(LoadError) as raised:
        decode_bytes(data)
    assert raised.value.code == "file-binary"
    assert "二进制" in raised.value.message
    assert "binary" in raised.value.message_en


def test_a_form_feed_or_tab_is_text_not_binary():
    text = "第一页\f第二页\t1\r\n"
    assert decode_bytes(text.encode("utf-8")) == (text, "utf-8")


@pytest.mark.parametrize("head, expected", [
    (b'<meta charset="gb2312">', "gb2312"),
    (b"<META CHARSET=GBK>", "gbk"),
    (b'<meta http-equiv="Content-Type" content="text/html; charset=GB18030" />', "gb18030"),
    (b"<meta content='text/html;charset=big5' http-equiv='Content-Type'>", "big5"),
    (b'<?xml version="1.0" encoding="gbk"?><html>', "gbk"),
    (b"<html><head><title>no charset</title></head>", None),
])
def test_sniff_html_charset(head, expected):
    assert sniff_html_charset(head) == expected


def test_sniff_looks_only_at_the_first_4kb():
    assert sniff_html_charset(b" " * 5000 + b'<meta charset="gbk">') is None


def test_load_error_with_file_keeps_the_code():
    error = LoadError("file-empty", "文件为空", "the file is empty").with_file("a.html")
    assert (error.code, error.message, error.message_en) == ("file-empty", "文件为空：a.html", "the file is empty: a.html")
    assert str(error) == "文件为空：a.html"


@pytest.mark.parametrize("codec", ["utf-8", "gb18030"])
def test_a_character_cut_off_at_the_end_does_not_change_the_encoding(codec):
    data = TEXT.encode(codec) + "数".encode(codec)[:-1]
    assert decode_bytes(data) == (TEXT + "\ufffd", codec)
