"""The demographics page and the NIK's region: filled, offered as a list, unknown, contradicted."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt

from station.nik import make_nik
from station.synthetic import synthetic_resident
from station.workflow import Step
from tests.factories import resident
from ui.widgets import WARNING_STYLE
from ui.wizard.demographics import DemographicsPage

WAIT_MS = 10_000
BIRTH = date(1990, 3, 7)
COBLONG_NIK = make_nik("32", "73", "02", BIRTH, "P", 17)  # Kota Bandung, Kecamatan Coblong


def _page(qtbot, ctx):  # type: ignore[no-untyped-def]
    from station.workflow import EnrollmentWorkflow
    from ui.wizard.base import WizardController

    wizard = WizardController(ctx, EnrollmentWorkflow(ctx.core.enrollments, ctx.user))
    page = DemographicsPage(ctx, wizard)
    qtbot.addWidget(page)
    page.show()
    page.enter()
    return page, wizard


def _type_nik(qtbot, page, nik: str) -> None:  # type: ignore[no-untyped-def]
    line = page.line("nik")
    line.clear()
    qtbot.keyClicks(line, nik)


def test_a_real_nik_fills_the_region_and_offers_its_villages(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    page, wizard = _page(qtbot, supervisor_ctx)
    page.fill(replace(resident(), nik="", provinsi="", kabupaten_kota="", kecamatan="", kelurahan_desa=""), {})
    _type_nik(qtbot, page, COBLONG_NIK)
    assert page.nik_messages.shown == "region_filled"
    assert "COBLONG, KOTA BANDUNG" in page.errors["nik"].text()
    assert [page.line(n).text() for n in ("provinsi", "kabupaten_kota", "kecamatan")] == [
        "JAWA BARAT",
        "KOTA BANDUNG",
        "COBLONG",
    ]
    village = page.line("kelurahan_desa")
    completer = village.completer()
    assert "DAGO" in completer.model().stringList() and "SEKELOA" in completer.model().stringList()
    village.setFocus()
    qtbot.keyClick(village, Qt.Key.Key_Down)  # the whole list, before anything is typed
    qtbot.waitUntil(lambda: completer.popup().isVisible(), timeout=WAIT_MS)
    assert completer.completionCount() == len(completer.model().stringList()) > 3
    completer.popup().hide()
    qtbot.keyClicks(village, "kelo")  # match anywhere, any case
    qtbot.waitUntil(lambda: completer.popup().isVisible(), timeout=WAIT_MS)
    assert completer.currentCompletion() == "SEKELOA"
    completer.popup().hide()
    # A name not in the list may still be typed, and the enrollment goes on.
    village.setText("KAMPUNG BARU SEKALI")
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.workflow.step == Step.PHOTO and not wizard.busy, timeout=WAIT_MS)
    demographics = wizard.workflow.enrollment.demographics
    assert demographics is not None and demographics.kecamatan == "COBLONG"


def test_a_synthetic_kecamatan_is_unknown_and_does_not_block(qtbot, supervisor_ctx) -> None:  # type: ignore[no-untyped-def]
    page, wizard = _page(qtbot, supervisor_ctx)
    synthetic = synthetic_resident(23, date.today()).demographics
    page.fill(replace(synthetic, nik="", kabupaten_kota="", kecamatan=""), {})
    _type_nik(qtbot, page, synthetic.nik)
    assert page.nik_messages.shown == "region_unknown"
    assert f"{synthetic.nik[:2]}.{synthetic.nik[2:4]}.{synthetic.nik[4:6]}" in page.errors["nik"].text()
    assert page.line("kecamatan").text() == ""  # nothing made up
    assert synthetic.kabupaten_kota in page.line("kabupaten_kota").text()  # its regency is real
    assert page.line("kelurahan_desa").completer().model().stringList() == []
    page.line("kecamatan").setText(synthetic.kecamatan)
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.workflow.step == Step.PHOTO and not wizard.busy, timeout=WAIT_MS)
    assert not any(e.text() for e in page.errors.values() if e is not page.errors["nik"])


def test_a_typed_kecamatan_that_contradicts_the_nik_is_named_and_the_resident_may_have_moved(  # type: ignore[no-untyped-def]
    qtbot, supervisor_ctx
) -> None:
    page, wizard = _page(qtbot, supervisor_ctx)
    page.fill(replace(resident(), nik="", provinsi="", kabupaten_kota="", kecamatan="Sukasari"), {})
    _type_nik(qtbot, page, COBLONG_NIK)
    assert page.line("kecamatan").text() == "Sukasari"  # typed by the operator: kept
    assert page.line("kabupaten_kota").text() == "KOTA BANDUNG"
    said = page.errors["kecamatan"]
    assert "tidak sesuai dengan NIK" in said.text() and "32.73.02 = COBLONG" in said.text()
    assert "pindah domisili" in said.text() and said.styleSheet() == WARNING_STYLE  # named, in amber
    # A corrected NIK moves what the NIK filled, never what was typed.
    _type_nik(qtbot, page, make_nik("35", "78", "01", BIRTH, "P", 17))
    assert page.line("kabupaten_kota").text() == "KOTA SURABAYA"
    assert page.line("provinsi").text() == "JAWA TIMUR"
    assert page.line("kecamatan").text() == "Sukasari"
    # Typing the NIK's own kecamatan takes the note away; another one brings it back.
    kecamatan = page.line("kecamatan")
    kecamatan.clear()
    qtbot.keyClicks(kecamatan, "Sukasari")
    assert "tidak sesuai" in said.text()
    _type_nik(qtbot, page, make_nik("32", "73", "01", BIRTH, "P", 17))  # 32.73.01 is Sukasari
    assert said.text() == ""
    _type_nik(qtbot, page, COBLONG_NIK)
    assert "tidak sesuai" in said.text()
    # Named, not refused: Next goes on with what the operator typed.
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.workflow.step == Step.PHOTO and not wizard.busy, timeout=WAIT_MS)
    demographics = wizard.workflow.enrollment.demographics
    assert demographics is not None and demographics.kecamatan == "SUKASARI"
