"""Step 1: the resident's data, a keyboard-only form with inline validation.

Every rule comes from station.demographics and station.nik: the page checks each
field as it is typed (`validate_field`), fills the birth date, sex and province from
a valid NIK, and on Next hands the whole form to the workflow, which returns every
problem at once (each marked on its field). Tab order is the card's order; the fixed
lists are drop-downs that accept typing; the date is typed as DD-MM-YYYY.

The region (station.wilayah): a NIK whose kecamatan is in the Kemendagri table fills
regency/city and kecamatan, and the kelurahan/desa field offers that kecamatan's list
(match anywhere as typed; a name not in it may still be typed). An unknown kecamatan
(every synthetic resident's) is said so in the NIK's line and blocks nothing. A field
the operator typed is never overwritten; one the NIK filled follows a corrected NIK.
A typed province, regency/city or kecamatan that differs from the NIK's region is
named in amber under its field, with what to do if the resident moved, and does not
stop Next (station.demographics.region_notices). The table is warmed off the GUI
thread when the page opens, so the first NIK does not wait for it.
"""

from __future__ import annotations

import logging
from datetime import date
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QDate, QEvent, QObject, QStringListModel, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from common.errors import ValidationError, ValidationErrors
from station import wilayah
from station.demographics import (
    FIELD_LABELS,
    TEXT_FIELDS,
    Agama,
    Demographics,
    GolonganDarah,
    JenisKelamin,
    Kewarganegaraan,
    StatusPerkawinan,
    region_notices_of,
    validate_field,
)
from station.nik import birth_date_from_nik, parse_nik
from station.regions import PROVINCES
from station.workflow import EnrollmentWorkflow, Step
from ui.completer import word_completer
from ui.messages import InfoMsg, OkMsg, ScreenMessages
from ui.tasks import Failure
from ui.widgets import WARNING_STYLE, MessageLine
from ui.wizard.base import StepPage, WizardController

log = logging.getLogger(__name__)

REGION_FIELDS = ("provinsi", "kabupaten_kota", "kecamatan")

CHOICES: dict[str, type[StrEnum]] = {
    "jenis_kelamin": JenisKelamin,
    "golongan_darah": GolonganDarah,
    "agama": Agama,
    "status_perkawinan": StatusPerkawinan,
    "kewarganegaraan": Kewarganegaraan,
}
# The card's order, which is also the tab order.
ORDER = (
    "nik",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "golongan_darah",
    "alamat",
    "rt",
    "rw",
    "kelurahan_desa",
    "kecamatan",
    "kabupaten_kota",
    "provinsi",
    "agama",
    "status_perkawinan",
    "pekerjaan",
    "kewarganegaraan",
)
SEX_LABELS = {JenisKelamin.LAKI_LAKI: ("LAKI-LAKI", "Male"), JenisKelamin.PEREMPUAN: ("PEREMPUAN", "Female")}
COMMON_JOBS = (
    "BELUM/TIDAK BEKERJA",
    "MENGURUS RUMAH TANGGA",
    "PELAJAR/MAHASISWA",
    "PETANI/PEKEBUN",
    "NELAYAN/PERIKANAN",
    "PEDAGANG",
    "WIRASWASTA",
    "KARYAWAN SWASTA",
    "PEGAWAI NEGERI SIPIL",
    "BURUH HARIAN LEPAS",
    "GURU",
    "PENSIUNAN",
)


class ListOnDown(QObject):
    """Down in a field with a list opens the list filtered by what is typed (all of it when
    empty): QCompleter alone shows it only once a character is typed."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(watched, QLineEdit) or event.type() != QEvent.Type.KeyPress:
            return False
        completer = watched.completer()
        popup = completer.popup() if completer is not None else None
        if not isinstance(event, QKeyEvent) or event.key() != Qt.Key.Key_Down or completer is None:
            return False
        if popup is None or popup.isVisible() or completer.model().rowCount() == 0:
            return False
        completer.setCompletionPrefix(watched.text())
        completer.complete()
        return True


class DemographicsPage(StepPage):
    class Messages(ScreenMessages):
        """The page's line shows only failures from the core (field refusals go under each field)."""

        context = "DemographicsPage"

    class NikMessages(ScreenMessages):
        """What the line under the NIK may say besides the core's refusals."""

        context = "DemographicsPage"
        structure_valid = OkMsg(
            QT_TRANSLATE_NOOP("DemographicsPage", "NIK structure is valid; birth date and sex filled from it.")
        )
        region_filled = OkMsg(
            QT_TRANSLATE_NOOP("DemographicsPage", "NIK structure is valid; birth date, sex and region filled: %1.")
        )
        region_unknown = InfoMsg(
            QT_TRANSLATE_NOOP(
                "DemographicsPage",
                "NIK structure is valid; birth date and sex filled. Kecamatan code %1 is not in the "
                "region table (%2): type the region as on the family card.",
            )
        )

    step = Step.DEMOGRAPHICS

    def __init__(self, ctx: Any, wizard: WizardController, parent: QWidget | None = None) -> None:
        super().__init__(ctx, wizard, parent)
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, MessageLine] = {}
        self.filled_from_nik: dict[str, str] = {}  # what the NIK last put in a field
        self.list_on_down = ListOnDown(self)
        outer = QVBoxLayout(self)
        title = QLabel(self.tr("Resident's data"))
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        outer.addWidget(title)
        hint = QLabel(
            self.tr(
                "Type the NIK first: birth date, sex, province, regency/city and kecamatan are filled "
                "from it. Tab moves on."
            )
        )
        hint.setWordWrap(True)
        outer.addWidget(hint)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        outer.addLayout(grid)
        for i, name in enumerate(ORDER):
            col = 0 if i < 9 else 3
            row = (i if i < 9 else i - 9) * 2
            label = QLabel(self.ctx.t(FIELD_LABELS[name]))
            widget = self._make_input(name)
            label.setBuddy(widget)
            grid.addWidget(label, row, col)
            grid.addWidget(widget, row, col + 1)
            err = MessageLine()
            err.setObjectName(f"error_{name}")
            err.setStyleSheet("font-size: 8pt;")
            grid.addWidget(err, row + 1, col + 1)
            self.errors[name] = err
        self.nik_messages = DemographicsPage.NikMessages(self.errors["nik"], ctx)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(4, 1)
        grid.setColumnMinimumWidth(2, 24)
        self.message = MessageLine()
        self.messages = DemographicsPage.Messages(self.message, ctx)
        self.message.setObjectName("demographics_message")
        outer.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.next_button = QPushButton(self.tr("Next: photo  →"))
        self.next_button.setObjectName("demographics_next")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self.submit)
        buttons.addWidget(self.next_button)
        outer.addLayout(buttons)
        outer.addStretch(1)
        for a, b in zip(ORDER, ORDER[1:], strict=False):
            QWidget.setTabOrder(self.inputs[a], self.inputs[b])
        QWidget.setTabOrder(self.inputs[ORDER[-1]], self.next_button)
        self.wizard.busy_changed.connect(lambda busy: self.next_button.setEnabled(not busy))

    # --- building ------------------------------------------------------------

    def _make_input(self, name: str) -> QWidget:
        w: QWidget
        if name == "tanggal_lahir":
            edit = QDateEdit()
            edit.setDisplayFormat("dd-MM-yyyy")
            edit.setMaximumDate(QDate.currentDate())
            edit.setMinimumDate(QDate(1900, 1, 1))
            edit.setDate(QDate(1990, 1, 1))
            edit.dateChanged.connect(lambda _d: self._clear_error("tanggal_lahir"))
            w = edit
        elif name in CHOICES:
            combo = QComboBox()
            for value in CHOICES[name]:
                combo.addItem(self._choice_label(name, value), value.value)
            combo.currentIndexChanged.connect(lambda _i, n=name: self._clear_error(n))
            w = combo
        else:
            line = QLineEdit()
            if name == "nik":
                line.setMaxLength(16)
                line.setInputMask("")
                line.setPlaceholderText(self.tr("16 digits"))
            if name in ("rt", "rw"):
                line.setMaxLength(3)
                line.setPlaceholderText("001")
            if name == "provinsi":
                line.setCompleter(self._completer(sorted(PROVINCES.values())))
            if name == "pekerjaan":
                line.setCompleter(self._completer(COMMON_JOBS))
            if name in ("kecamatan", "kelurahan_desa"):
                line.setCompleter(self._completer([]))  # the NIK's region fills the list
                line.installEventFilter(self.list_on_down)
            line.textEdited.connect(lambda text, n=name: self._check_field(n, text))
            w = line
        w.setObjectName(f"field_{name}")
        self.inputs[name] = w
        return w

    def _completer(self, words: Any) -> QCompleter:
        return word_completer(words, self)

    def _choice_label(self, name: str, value: StrEnum) -> str:
        if name == "jenis_kelamin":
            ind, en = SEX_LABELS[JenisKelamin(value)]
            return en if self.ctx.lang == "en" else ind
        if name == "golongan_darah" and value == GolonganDarah.TIDAK_TAHU:
            return self.tr("- (unknown)")
        return str(value.value)

    # --- inline validation -----------------------------------------------------

    def _clear_error(self, name: str) -> None:
        self.errors[name].clear()

    def _check_field(self, name: str, text: str) -> None:
        err = None
        if text.strip() or name == "nik":
            err = validate_field(name, text)
        if name == "nik" and len(text.strip()) < 16 and (err is None or err.code == "nik.length"):
            err = None  # still typing: only complain about length once the field is left or submitted
            if text.strip() and not text.strip().isdigit():
                err = validate_field(name, text)
        if err is None:
            self.errors[name].clear()
        else:
            self.errors[name].error(err.message.get(self.ctx.lang))
        if name == "nik" and err is None and len(text.strip()) == 16:
            self._fill_from_nik(text.strip())
        if name in ("nik", *REGION_FIELDS):
            self._show_region_notices()

    def _show_region_notices(self) -> None:
        """Name, in amber under its field, a province, regency/city or kecamatan that
        differs from the NIK's region, with what to do if the resident moved; it does not
        stop Next (station.demographics.region_notices says why)."""
        nik, *typed = (self.line(f).text() for f in ("nik", *REGION_FIELDS))
        notices = {e.field: e.text(self.ctx.lang) for e in region_notices_of(nik.strip(), *typed) if e.field}
        for field in REGION_FIELDS:
            line = self.errors[field]
            if field in notices:
                line.warning(notices[field])
            elif line.styleSheet() == WARNING_STYLE:
                line.clear()  # an earlier notice, no longer true

    def _fill_from_nik(self, nik: str) -> None:
        parts = parse_nik(nik)
        born = birth_date_from_nik(parts, date.today())
        if born is not None:
            self.date_edit.setDate(QDate(born.year, born.month, born.day))
        sex = self.combo("jenis_kelamin")
        sex.setCurrentIndex(sex.findData(parts.sex))
        self._fill("provinsi", PROVINCES[parts.province])
        table = wilayah.default_table()
        region = self._offer_region(nik, table)
        if table is None or region is None:
            self.nik_messages.structure_valid()
        elif region.district is not None and region.regency is not None:
            self._fill("kabupaten_kota", wilayah.card_name(region.regency))
            self._fill("kecamatan", wilayah.card_name(region.district))
            named = f"{wilayah.card_name(region.district)}, {wilayah.card_name(region.regency)}"
            self.nik_messages.region_filled(named)
        else:
            if region.regency is not None:
                self._fill("kabupaten_kota", wilayah.card_name(region.regency))
            self._fill("kecamatan", "")  # the previous NIK's kecamatan is not this one's
            self.nik_messages.region_unknown(region.dotted, table.source)

    def _fill(self, name: str, value: str) -> None:
        """Put a value from the NIK in a field the operator left empty or the NIK filled."""
        line = self.line(name)
        if line.text().strip() and line.text() != self.filled_from_nik.get(name):
            return  # typed by the operator: kept; a difference from the NIK is named in amber
        line.setText(value)
        self.filled_from_nik[name] = value
        self.errors[name].clear()

    def _offer_region(self, nik: str, table: wilayah.Wilayah | None) -> wilayah.Region | None:
        """Give the kecamatan and kelurahan/desa fields the NIK's lists; the region, or None."""
        region = table.region(nik) if table is not None else None
        districts = table.districts_of(nik[:4]) if table is not None else []
        villages = table.villages(nik[:6]) if table is not None else []
        self._set_words("kecamatan", [wilayah.card_name(n) for n in districts])
        self._set_words("kelurahan_desa", [wilayah.card_name(n) for n in villages])
        self.line("kelurahan_desa").setPlaceholderText(
            self.tr("Type to search the kecamatan's kelurahan/desa, or press ↓ for the list") if villages else ""
        )
        return region

    def _set_words(self, name: str, words: list[str]) -> None:
        completer = self.line(name).completer()
        model = completer.model() if completer is not None else None
        if isinstance(model, QStringListModel):
            model.setStringList(words)

    # --- access --------------------------------------------------------------

    def line(self, name: str) -> QLineEdit:
        w = self.inputs[name]
        assert isinstance(w, QLineEdit)
        return w

    def combo(self, name: str) -> QComboBox:
        w = self.inputs[name]
        assert isinstance(w, QComboBox)
        return w

    @property
    def date_edit(self) -> QDateEdit:
        w = self.inputs["tanggal_lahir"]
        assert isinstance(w, QDateEdit)
        return w

    def form(self) -> Demographics:
        q = self.date_edit.date()
        values: dict[str, Any] = {n: self.line(n).text() for n in TEXT_FIELDS}
        values["tanggal_lahir"] = date(q.year(), q.month(), q.day())
        for name, enum in CHOICES.items():
            values[name] = enum(self.combo(name).currentData())
        return Demographics(**values)

    def fill(self, d: Demographics | None, prefill: dict[str, str]) -> None:
        if d is not None:
            for n in TEXT_FIELDS:
                self.line(n).setText(str(getattr(d, n)))
            self.date_edit.setDate(QDate(d.tanggal_lahir.year, d.tanggal_lahir.month, d.tanggal_lahir.day))
            for name in CHOICES:
                combo = self.combo(name)
                combo.setCurrentIndex(combo.findData(getattr(d, name).value))
            if len(d.nik.strip()) == 16 and d.nik.strip().isdigit():
                self._offer_region(d.nik.strip(), wilayah.default_table())
            return
        for n, value in prefill.items():
            if n in TEXT_FIELDS and value:
                self.line(n).setText(value)
                self._check_field(n, value)

    # --- step ----------------------------------------------------------------

    def enter(self) -> None:
        # Read the region table now, off the GUI thread; the first NIK then finds it loaded.
        self.ctx.tasks.run(wilayah.default_table, name="region table", owner=self, quiet=True)
        self.fill(self.wizard.snapshot.demographics, self.wizard.prefill)
        self.messages.clear()
        self.line("nik").setFocus()

    def submit(self) -> None:
        for err in self.errors.values():
            err.clear()
        self.messages.clear()
        d = self.form()

        def accept(wf: EnrollmentWorkflow) -> None:
            wf.submit_demographics(d)

        if self.wizard.submit(accept, on_failed=self._refused):
            log.info("demographics submitted for record %s", self.wizard.snapshot.uuid)

    def _refused(self, failure: Failure) -> None:
        err = failure.error
        errors = err.errors if isinstance(err, ValidationErrors) else [err] if isinstance(err, ValidationError) else []
        first: QWidget | None = None
        for e in errors:
            if e.field in self.errors:
                self.errors[e.field].error(e.message.get(self.ctx.lang))
                first = first or self.inputs[e.field]
        self.messages.failure(failure)
        if first is not None:
            first.setFocus()
