#!/usr/bin/env python3
"""Writes the demo's two small PDFs (embedded by src/demo.rs): one A4 page of Japanese text in
the PDF standard's predefined Japanese font (HeiseiKakuGo-W5, UniJIS-UCS2-H: no font file is
embedded; every PDF viewer maps it to a Japanese font of its own). Run it again only to change
their text: python3 make_pdfs.py"""

import pathlib

def pdf(lines):
    def hexline(s):
        return "<" + s.encode("utf-16-be").hex().upper() + ">"
    body = ["BT", "/F1 16 Tf", "72 770 Td", "22 TL"]
    for i, line in enumerate(lines):
        body.append(("" if i == 0 else "T* ") + hexline(line) + " Tj")
    body.append("ET")
    stream = "\n".join(body).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /HeiseiKakuGo-W5 /Encoding /UniJIS-UCS2-H /DescendantFonts [6 0 R] >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /HeiseiKakuGo-W5 /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> /FontDescriptor 7 0 R >>",
        b"<< /Type /FontDescriptor /FontName /HeiseiKakuGo-W5 /Flags 4 /FontBBox [-92 -250 1010 922] /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode() + b"0000000000 65535 f \n"
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)

here = pathlib.Path(__file__).parent
(here / "admin-manual.pdf").write_bytes(pdf([
    "次世代型社労法務システム",
    "管理者用操作マニュアル（デモ）",
    "",
    "アカウント管理：契約のアカウントの一覧、紐づけ解除、",
    "ログイン情報の削除、管理者の変更、ロック解除。",
    "このPDFは madoguchi のデモ用です。",
]))
(here / "document.pdf").write_bytes(pdf([
    "次世代型社労法務システム",
    "リモートAPP操作マニュアル（デモ）",
    "",
    "ご契約のアカウントの「ドキュメント」に表示される資料の例です。",
    "このPDFは madoguchi のデモ用です。",
]))
