"""Every loader on a small file of its format; broken files are named with the reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge.errors import UnreadableFile
from knowledge.loaders import expand, load

HTML = """<html><head><title>Storing beans</title></head><body>
<nav><a href="/">Home</a> <a href="/shop">Shop</a> <a href="/about">About</a></nav>
<div class="cookie">We use cookies. Accept all cookies?</div>
<article><h1>Storing beans</h1>
<p>Keep whole beans in an opaque, airtight canister at room temperature, away from the stove.
Beans taste best between 7 and 30 days after the roast date printed on the bag.</p>
<p>Freezing works for longer storage: portion the beans into single doses, seal them, and grind
them straight from the freezer without thawing, so no condensation forms on them.</p>
</article>
<footer><a href="/privacy">Privacy policy</a> © 2026 Related posts: Ten mugs we love</footer>
</body></html>"""


def test_html_keeps_the_article_and_drops_the_furniture(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(HTML, encoding="utf-8")
    text = load(path).text
    assert "opaque, airtight canister" in text and "straight from the freezer" in text
    assert "cookies" not in text and "Privacy policy" not in text and "Shop" not in text


def test_pdf_text_is_extracted_and_reflowed(tmp_path: Path) -> None:
    fpdf = pytest.importorskip("fpdf", reason="fpdf2 builds the test PDF")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, "Descale the kettle every four weeks with a 1:10 citric acid "
                         "solution, then rinse it twice with fresh water before brewing.")
    path = tmp_path / "guide.pdf"
    pdf.output(str(path))
    text = load(path).text
    assert "Descale the kettle every four weeks" in " ".join(text.split())


def test_a_broken_pdf_is_named_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(UnreadableFile, match="broken.pdf"):
        load(path)


def test_subtitles_become_paragraphs_without_timestamps(tmp_path: Path) -> None:
    srt = tmp_path / "talk.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:03,000\nToday we steam milk\n\n"
                   "2\n00:00:03,500 --> 00:00:05,000\nto 60 degrees.\n", encoding="utf-8")
    vtt = tmp_path / "talk.vtt"
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n今天我们打奶泡\n\n"
                   "00:00:03.500 --> 00:00:05.000\n温度到六十度。\n", encoding="utf-8")
    assert load(srt).text == "Today we steam milk to 60 degrees."
    assert load(vtt).text == "今天我们打奶泡温度到六十度。"


def test_faq_pairs_stay_together_as_units(tmp_path: Path) -> None:
    jsonl = tmp_path / "faq.jsonl"
    jsonl.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"question": "Do you sponsor?", "answer": "No sponsorships."},
        {"question": "冷萃放多久？", "answer": "冷藏五天。"}]), encoding="utf-8")
    csv_file = tmp_path / "faq.csv"
    csv_file.write_text('question,answer\n"Which kettle, exactly?","Fellow Stagg EKG, set '
                        'to 93°C."\n', encoding="utf-8")
    assert load(jsonl).units == ("Q: Do you sponsor?\nA: No sponsorships.",
                                 "Q: 冷萃放多久？\nA: 冷藏五天。")
    assert load(csv_file).units == ("Q: Which kettle, exactly?\nA: Fellow Stagg EKG, set to "
                                    "93°C.",)


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("faq.jsonl", '{"question": "x"}\n', "needs both a question and an answer"),
    ("faq.jsonl", "not json\n", "faq.jsonl:1: not valid JSON"),
    ("faq.csv", "q,a\nx,y\n", "needs the columns question and answer"),
    ("notes.txt", b"\xff\xfe\x00bad", "not UTF-8"),
    ("empty.vtt", "WEBVTT\n", "no text"),
])
def test_unreadable_files_say_why(tmp_path: Path, name: str, content: str | bytes,
                                  reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(UnreadableFile, match=reason):
        load(path)


def test_folders_expand_to_supported_files_only(tmp_path: Path) -> None:
    for name in ("a.md", "b.pdf", "c.png", ".hidden/d.md", "sub/e.vtt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    assert [p.name for p in expand([tmp_path])] == ["a.md", "b.pdf", "e.vtt"]
