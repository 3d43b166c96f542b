"""The receipt PDF (A6 and thermal, print and save as) and the record look-up page."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog

from station.enroll_synthetic import enroll_synthetic
from station.receipt import ReceiptData, receipt_data
from ui import i18n
from ui.lookup import LookupPage
from ui.receipt import print_receipt, render_receipt_image, save_receipt_as, write_receipt_pdf

WAIT_MS = 15_000
MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture
def enrolled(supervisor_ctx, supervisor) -> Any:  # type: ignore[no-untyped-def]
    """Three sealed synthetic records in the context's (demo) station."""
    core = supervisor_ctx.core
    report = enroll_synthetic(core, 3, seed=5, operator=supervisor, approver=supervisor, batch=3)
    first = core.enrollments.find_by_reg(report.first_reg)[0]
    return supervisor_ctx, report, first, core.enrollments.load(first.uuid)


def pdf_text(path: Path) -> str:
    return " ".join(pypdf.PdfReader(path).pages[0].extract_text().split())


def page_size_mm(path: Path) -> tuple[float, float]:
    box = pypdf.PdfReader(path).pages[0].mediabox
    return float(box.width) / MM, float(box.height) / MM


@pytest.mark.parametrize(("layout", "lang"), [("a6", "id"), ("thermal", "id"), ("a6", "en"), ("thermal", "en")])
def test_receipt_pdf_has_the_reg_no_as_text_and_never_the_full_nik(  # type: ignore[no-untyped-def]
    enrolled, tmp_path: Path, layout: str, lang: str
) -> None:
    ctx, report, _, data = enrolled
    receipt = receipt_data(ctx.core, reg_no=report.first_reg)
    path = write_receipt_pdf(receipt, tmp_path / f"{layout}.pdf", layout=layout, lang=lang)
    text = pdf_text(path)
    assert report.first_reg in text
    assert data.nik not in text.replace(" ", "")
    assert receipt.nik_masked in text
    assert ("TANDA BUKTI PEREKAMAN KTP-el" if lang == "id" else "PROOF OF KTP-el ENROLLMENT") in text
    assert "DEMO / LATIHAN" in text  # the fixture's station is a training station
    width, height = page_size_mm(path)
    if layout == "a6":
        assert (round(width), round(height)) == (105, 148)
    else:
        assert round(width) == 80 and 100 <= height <= 200


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_a6_receipt_of_a_demo_record_with_its_biometrics_line_fits_its_page(  # type: ignore[no-untyped-def]
    enrolled, tmp_path: Path, lang: str, caplog: pytest.LogCaptureFixture
) -> None:
    ctx, report, _, _ = enrolled
    receipt = receipt_data(ctx.core, reg_no=report.first_reg)
    assert receipt.demo and receipt.items  # the tallest receipt: the demo box and the biometrics row
    excepted = {"finger_2", "finger_7", "iris_left"}  # every group with an exception: the longest line
    tallest = replace(
        receipt,
        name="Siti Nurhaliza Binti Abdurrahman Wahyuningsih Kusumawardhani",  # a made-up long name: two lines
        items=tuple((kind, kind not in excepted) for kind, _ in receipt.items),
    )
    for data in (receipt, tallest):
        with caplog.at_level("WARNING", logger="ui.receipt"):
            write_receipt_pdf(data, tmp_path / "a6.pdf", layout="a6", lang=lang)
    assert not [r for r in caplog.records if "overflows" in r.getMessage()], caplog.text


def test_a_real_station_receipt_has_no_demo_watermark(enrolled, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ctx, report, _, _ = enrolled
    ctx.core.config.demo = False
    path = write_receipt_pdf(receipt_data(ctx.core, reg_no=report.last_reg), tmp_path / "real.pdf")
    text = pdf_text(path)
    assert report.last_reg in text and "LATIHAN" not in text


def _ink(image: Any) -> tuple[int, int]:
    """(dark pixels, reddish pixels) on a grid over the image: text and QR, watermark."""
    dark = red = 0
    for y in range(0, image.height(), 3):
        for x in range(0, image.width(), 3):
            c = image.pixelColor(x, y)
            dark += c.red() < 80 and c.green() < 80 and c.blue() < 80
            red += c.red() > 200 and c.green() < 235 and c.red() - c.green() > 15
    return dark, red


@pytest.mark.parametrize("layout", ["a6", "thermal"])
def test_the_preview_is_the_page_as_it_prints(enrolled, layout: str) -> None:  # type: ignore[no-untyped-def]
    ctx, report, _, _ = enrolled
    receipt = receipt_data(ctx.core, reg_no=report.first_reg)
    image = render_receipt_image(receipt, layout=layout, lang="id", dpi=100)
    width_mm = image.width() * 25.4 / 100
    height_mm = image.height() * 25.4 / 100
    if layout == "a6":
        assert (round(width_mm), round(height_mm)) == (105, 148)
    else:
        assert round(width_mm) == 80 and 100 <= height_mm <= 200
    dark, red = _ink(image)
    assert dark > 500  # text and the QR code are drawn
    assert red > 50  # the demo watermark, as on the PDF of a training station
    ctx.core.config.demo = False
    assert _ink(render_receipt_image(receipt_data(ctx.core, reg_no=report.first_reg), layout=layout))[1] == 0


def test_save_as_writes_the_layout_of_the_chosen_filter(  # type: ignore[no-untyped-def]
    enrolled, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, report, _, _ = enrolled
    receipt = receipt_data(ctx.core, reg_no=report.first_reg)
    target = tmp_path / "chosen"  # no suffix: ".pdf" is added

    def choose(parent: Any, title: str, default: str, filters: str, selected: str) -> tuple[str, str]:
        assert report.first_reg in default
        return str(target), filters.split(";;")[1]  # the thermal one

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(choose))
    path = save_receipt_as(None, receipt, "id")
    assert path == target.with_name("chosen.pdf") and path.exists()
    assert round(page_size_mm(path)[0]) == 80


def test_print_goes_through_the_print_dialog(  # type: ignore[no-untyped-def]
    enrolled, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, report, _, _ = enrolled
    receipt = receipt_data(ctx.core, reg_no=report.first_reg)
    out = tmp_path / "printed.pdf"

    def accept(dialog: QPrintDialog) -> int:
        dialog.printer().setOutputFileName(str(out))  # a PDF "printer"
        return int(QDialog.DialogCode.Accepted)

    monkeypatch.setattr(QPrintDialog, "exec", accept)
    assert print_receipt(None, receipt, "en") is True
    assert report.first_reg in pdf_text(out)
    monkeypatch.setattr(QPrintDialog, "exec", lambda dialog: int(QDialog.DialogCode.Rejected))
    assert print_receipt(None, receipt, "en") is False


def lookup_page(qtbot: Any, ctx: Any) -> LookupPage:
    page = LookupPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    return page


def search_and_wait(qtbot: Any, page: LookupPage, text: str) -> None:
    page.query.setText(text)
    with qtbot.waitSignal(page.results_shown, timeout=WAIT_MS):
        qtbot.keyClick(page.query, Qt.Key.Key_Return)


@pytest.mark.parametrize("by", ["reg_no", "nik", "name"])
def test_lookup_finds_the_record_and_shows_its_timeline(qtbot, enrolled, by: str) -> None:  # type: ignore[no-untyped-def]
    ctx, report, first, data = enrolled
    page = lookup_page(qtbot, ctx)
    text = {"reg_no": report.first_reg, "nik": data.nik, "name": data.name[:3].lower()}[by]
    search_and_wait(qtbot, page, text)
    uuids = [r.summary.uuid for r in page.rows]
    assert first.uuid in uuids
    row = uuids.index(first.uuid)
    masked = data.nik[:6] + "********" + data.nik[-2:]
    assert page.results.item(row, 0).text() == report.first_reg
    assert page.results.item(row, 2).text() == masked
    with qtbot.waitSignal(page.record_shown, timeout=WAIT_MS):
        if len(page.rows) == 1:
            page.results.clearSelection()
        page.results.selectRow(row)
    states = [page.timeline.item(r, 1).text() for r in range(page.timeline.rowCount())]
    assert states == ["DRAFT", "SEALED"]
    assert page.timeline.item(1, 0).text() != "-"  # a local time
    assert report.first_reg in page.heading.text() and masked in page.heading.text()
    assert data.nik not in page.heading.text()
    assert "menunggu dikirim" in page.sentence.text()  # waiting to be sent (Indonesian: ctx.lang)
    assert page.reprint.isEnabled()


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12345", "16 digit"), ("1004120101900011", "provinsi"), ("", "Ketik NIK"), ("320412-01", "bukan NIK")],
)
def test_lookup_refuses_a_malformed_query_with_a_message(qtbot, enrolled, text: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    ctx, _, _, _ = enrolled
    page = lookup_page(qtbot, ctx)
    page.query.setText(text)
    qtbot.keyClick(page.query, Qt.Key.Key_Return)
    assert expected in page.message.text()
    assert page.results.rowCount() == 0


def test_lookup_says_when_nothing_is_found_without_echoing_a_nik(qtbot, enrolled) -> None:  # type: ignore[no-untyped-def]
    ctx, _, _, data = enrolled
    page = lookup_page(qtbot, ctx)
    search_and_wait(qtbot, page, "320412-01-9999999")
    assert "No record found for 320412-01-9999999" in page.message.text()
    other = data.nik[:-4] + ("0001" if data.nik[-4:] != "0001" else "0002")
    search_and_wait(qtbot, page, other)
    assert "No record found" in page.message.text() and other not in page.message.text()
    assert other[:6] + "********" in page.message.text()


def test_reprint_reads_the_receipt_off_the_gui_thread(  # type: ignore[no-untyped-def]
    qtbot, enrolled, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ctx, report, _, _ = enrolled
    saved: list[ReceiptData] = []

    def fake_save(parent: Any, data: ReceiptData, lang: str) -> Path:
        saved.append(data)
        return tmp_path / "x.pdf"

    monkeypatch.setattr("ui.lookup.save_receipt_as", fake_save)
    page = lookup_page(qtbot, ctx)
    with qtbot.waitSignal(page.record_shown, timeout=WAIT_MS):
        page.show_record(report.last_reg)
    page.save_action.trigger()
    qtbot.waitUntil(lambda: bool(saved), timeout=WAIT_MS)
    assert saved[0].reg_no == report.last_reg and "*" in saved[0].nik_masked
    assert "x.pdf" in page.message.text()


def test_lookup_page_loads_in_indonesian_and_english(qtbot, enrolled, qapp) -> None:  # type: ignore[no-untyped-def]
    ctx, report, _, _ = enrolled
    try:
        i18n.install(qapp, "id")
        page = lookup_page(qtbot, ctx)
        assert page.search_button.text() == "Cari"
        assert page.reprint.text() == "Cetak ulang tanda bukti"
        search_and_wait(qtbot, page, "320412-01-9999999")
        assert page.message.text().startswith("Tidak ada rekaman")
        i18n.install(qapp, "en")
        ctx.lang = "en"
        page = lookup_page(qtbot, ctx)
        assert page.search_button.text() == "Search"
        assert page.reprint.text() == "Reprint receipt"
        with qtbot.waitSignal(page.record_shown, timeout=WAIT_MS):
            page.show_record(report.first_reg)
        assert "waiting to be sent" in page.sentence.text()
    finally:
        i18n.install(QApplication.instance(), "en")  # type: ignore[arg-type]
