"""Drawing the proof of enrollment: a PDF (A6 or 80 mm thermal roll), a printer, or
"save as".

One painting routine serves the PDF writer and the printer (both are paged paint
devices), so what is saved is what is printed. Everything is drawn in millimetres
converted at the device's own resolution; the QR code is the segno module matrix
filled as one path of rectangles, so it is sharp at any DPI and has no hairline seams
between modules.

Traps:
- the thermal page is as long as its content: a first pass measures with the
  device's font metrics, then the page size is set, then a second pass paints (the
  page size cannot change once a QPainter is active);
- fonts need a QGuiApplication (the font database); `write_receipt_pdf` refuses
  without one rather than crashing in Qt;
- the receipt's language is a parameter (the resident's), its texts come from
  station.receipt; only the dialogs around it follow the screen language, with
  module-level QCoreApplication.translate("Receipt", ...) since there is no self.tr() here.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

import segno
from PySide6.QtCore import QCoreApplication, QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
)
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QWidget

from station.receipt import ReceiptData, biometrics_line, format_sealed_at, receipt_text

log = logging.getLogger(__name__)

A6 = "a6"
THERMAL = "thermal"
LAYOUTS = (A6, THERMAL)
PDF_DPI = 300
THERMAL_WIDTH_MM = 80.0
THERMAL_MIN_HEIGHT_MM = 100.0
QUIET_ZONE = 4  # modules of white around a QR code (ISO/IEC 18004)

_BLACK = QColor(0, 0, 0)
_GREY = QColor(90, 90, 90)
_DEMO_RED = QColor(190, 0, 0)
_FAMILY = "DejaVu Sans"


class _Geometry:
    """Page and type sizes of one layout, in millimetres and points."""

    def __init__(self, layout: str) -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"unknown receipt layout {layout!r} (a6 or thermal)")
        self.layout = layout
        thermal = layout == THERMAL
        self.page_w = THERMAL_WIDTH_MM if thermal else 105.0
        self.page_h = 148.0  # A6; the thermal page is measured
        self.margin = 5.0 if thermal else 8.0
        self.qr_mm = 32.0 if thermal else 28.0  # A6: room for a demo box, a two-line name and the biometrics row
        self.label_w = 24.0 if thermal else 31.0
        self.title_pt = 10.5 if thermal else 12.0
        self.reg_pt = 16.0 if thermal else 19.0
        self.body_pt = 8.5 if thermal else 9.0
        self.note_pt = 7.0


def _font(pt: float, *, bold: bool = False) -> QFont:
    font = QFont(_FAMILY)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    font.setPointSizeF(pt)
    font.setBold(bold)
    return font


class _Flow:
    """Lays blocks out top to bottom; with no painter it only measures."""

    def __init__(self, device: QPaintDevice, painter: QPainter | None, geo: _Geometry) -> None:
        self.device = device
        self.painter = painter
        self.geo = geo
        self.dpi = float(device.logicalDpiX())
        self.x = self.mm(geo.margin)
        self.width = self.mm(geo.page_w - 2 * geo.margin)
        self.y = self.mm(geo.margin)

    def mm(self, value: float) -> float:
        return value * self.dpi / 25.4

    def gap(self, mm: float) -> None:
        self.y += self.mm(mm)

    def _measure(self, text: str, font: QFont, width: float, flags: int) -> float:
        metrics = QFontMetricsF(font, self.device)
        return metrics.boundingRect(QRectF(0, 0, width, 1e6), flags, text).height()

    def text(
        self,
        text: str,
        font: QFont,
        *,
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignHCenter,
        color: QColor = _BLACK,
    ) -> None:
        flags = int(align | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)
        height = self._measure(text, font, self.width, flags)
        if self.painter is not None:
            self.painter.setFont(font)
            self.painter.setPen(color)
            self.painter.drawText(QRectF(self.x, self.y, self.width, height), flags, text)
        self.y += height

    def row(self, label: str, value: str, *, value_font: QFont | None = None) -> None:
        """A label column and a wrapping value column, as tall as the taller."""
        label_font = _font(self.geo.body_pt - 0.5)
        value_font = value_font or _font(self.geo.body_pt, bold=True)
        label_w = self.mm(self.geo.label_w)
        value_w = self.width - label_w
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)
        h_label = self._measure(label, label_font, label_w, flags)
        h_value = self._measure(value, value_font, value_w, flags)
        if self.painter is not None:
            self.painter.setPen(_GREY)
            self.painter.setFont(label_font)
            # Baselines roughly level: the smaller label drops by the size difference.
            drop = max(
                0.0, QFontMetricsF(value_font, self.device).ascent() - QFontMetricsF(label_font, self.device).ascent()
            )
            self.painter.drawText(QRectF(self.x, self.y + drop, label_w, h_label), flags, label)
            self.painter.setPen(_BLACK)
            self.painter.setFont(value_font)
            self.painter.drawText(QRectF(self.x + label_w, self.y, value_w, h_value), flags, value)
        self.y += max(h_label, h_value) + self.mm(1.2)

    def fitted(self, text: str, font: QFont) -> QFont:
        """`font`, made smaller until `text` fits on one line (a title must not break at "KTP-el")."""
        fitted = QFont(font)
        while QFontMetricsF(fitted, self.device).horizontalAdvance(text) > self.width and fitted.pointSizeF() > 6:
            fitted.setPointSizeF(fitted.pointSizeF() - 0.25)
        return fitted

    def rule(self) -> None:
        if self.painter is not None:
            self.painter.setPen(QPen(_GREY, self.mm(0.25)))
            self.painter.drawLine(QPointF(self.x, self.y), QPointF(self.x + self.width, self.y))
        self.y += self.mm(0.25)

    def box(self, text: str, font: QFont, color: QColor) -> None:
        """A framed line of text (the demo banner)."""
        pad = self.mm(1.2)
        flags = int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)
        height = self._measure(text, font, self.width - 2 * pad, flags) + 2 * pad
        if self.painter is not None:
            self.painter.setPen(QPen(color, self.mm(0.5)))
            self.painter.setBrush(Qt.BrushStyle.NoBrush)
            self.painter.drawRect(QRectF(self.x, self.y, self.width, height))
            self.painter.setFont(font)
            self.painter.drawText(
                QRectF(self.x + pad, self.y + pad, self.width - 2 * pad, height - 2 * pad), flags, text
            )
        self.y += height

    def qr(self, matrix: Sequence[Sequence[int]], size_mm: float) -> None:
        """The QR matrix as filled rectangles (one per run of dark modules in a row)."""
        side = self.mm(size_mm)
        n = len(matrix)
        module = side / n
        left = self.x + (self.width - side) / 2
        self.y += QUIET_ZONE * module  # the white border a scanner needs (sides: centred)
        if self.painter is not None:
            path = QPainterPath()
            path.setFillRule(Qt.FillRule.WindingFill)
            for r, line in enumerate(matrix):
                c = 0
                while c < n:
                    if line[c]:
                        start = c
                        while c < n and line[c]:
                            c += 1
                        path.addRect(QRectF(left + start * module, self.y + r * module, (c - start) * module, module))
                    else:
                        c += 1
            self.painter.fillPath(path, _BLACK)
        self.y += side + QUIET_ZONE * module


def _paint(flow: _Flow, data: ReceiptData, lang: str) -> float:
    """Lay out (and paint, when the flow has a painter) the receipt; return its height in mm."""
    geo = flow.geo
    if data.demo:
        flow.box(receipt_text("demo", lang), _font(geo.body_pt, bold=True), _DEMO_RED)
        flow.gap(2.5)
    title = receipt_text("title", lang)
    flow.text(title, flow.fitted(title, _font(geo.title_pt, bold=True)))
    flow.gap(0.8)
    flow.text(f"{data.station_name} · {data.station_code}", _font(geo.note_pt + 0.5), color=_GREY)
    flow.gap(2.5)
    flow.rule()
    flow.gap(2.5)
    flow.text(receipt_text("reg_no", lang), _font(geo.body_pt - 0.5), color=_GREY)
    flow.gap(0.5)
    flow.text(data.reg_no, flow.fitted(data.reg_no, _font(geo.reg_pt, bold=True)))
    flow.qr(segno.make(data.reg_no, error="m", micro=False).matrix, geo.qr_mm)
    flow.row(receipt_text("name", lang), data.name)
    flow.row(receipt_text("nik", lang), data.nik_masked)
    flow.row(receipt_text("sealed_at", lang), format_sealed_at(data.sealed_at, lang))
    flow.row(receipt_text("station", lang), f"{data.station_code} {data.station_name}", value_font=_font(geo.body_pt))
    flow.row(receipt_text("operator", lang), data.operator_name, value_font=_font(geo.body_pt))
    if data.items:
        flow.row(receipt_text("biometrics", lang), biometrics_line(data, lang), value_font=_font(geo.body_pt))
    flow.gap(1.5)
    flow.rule()
    flow.gap(2.0)
    flow.text(receipt_text("note", lang), _font(geo.note_pt), align=Qt.AlignmentFlag.AlignLeft, color=_BLACK)
    flow.gap(geo.margin)
    return flow.y * 25.4 / flow.dpi


def _watermark(painter: QPainter, dpi: float, geo: _Geometry, height_mm: float, text: str) -> None:
    """The demo warning across the page along its diagonal, light enough to read through."""
    w, h = geo.page_w * dpi / 25.4, height_mm * dpi / 25.4
    font = _font(10, bold=True)
    width_at_10 = QFontMetricsF(font, painter.device()).horizontalAdvance(text)
    diagonal = math.hypot(w, h)
    font.setPointSizeF(10 * 0.8 * diagonal / width_at_10)
    painter.save()
    painter.translate(w / 2, h / 2)
    painter.rotate(-math.degrees(math.atan2(h, w)))
    painter.setFont(font)
    painter.setPen(QColor(_DEMO_RED.red(), _DEMO_RED.green(), _DEMO_RED.blue(), 55))
    painter.drawText(QRectF(-diagonal / 2, -h / 2, diagonal, h), int(Qt.AlignmentFlag.AlignCenter), text)
    painter.restore()


def render_receipt(device: QPagedPaintDevice, data: ReceiptData, *, layout: str = A6, lang: str = "id") -> None:
    """Set the page size for `layout` on `device` (a QPdfWriter or QPrinter) and draw the receipt."""
    geo = _Geometry(layout)
    if layout == THERMAL:
        height = max(THERMAL_MIN_HEIGHT_MM, _paint(_Flow(device, None, geo), data, lang))
        size = QPageSize(
            QSizeF(geo.page_w, height), QPageSize.Unit.Millimeter, "Thermal 80 mm", QPageSize.SizeMatchPolicy.ExactMatch
        )
    else:
        height = geo.page_h
        size = QPageSize(QPageSize.PageSizeId.A6)
    device.setPageLayout(
        QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    )
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("the receipt could not be opened for drawing")
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        flow = _Flow(device, painter, geo)
        if data.demo:  # first, so the content stays crisp on top of it
            _watermark(painter, flow.dpi, geo, height, receipt_text("demo", lang))
        used = _paint(flow, data, lang)
        if used > height + 0.5:
            log.warning("receipt %s overflows its %s page (%.0f of %.0f mm)", data.reg_no, layout, used, height)
    finally:
        painter.end()


def render_receipt_image(data: ReceiptData, *, layout: str = A6, lang: str = "id", dpi: float = 96.0) -> QImage:
    """The receipt as it will print, as an image at `dpi` (the sealed page's preview).

    The same `_paint` as the PDF and the printer, on a QImage whose dots-per-metre make
    its logical DPI `dpi`, so the layout and line breaks are those of the page. Safe off
    the GUI thread (QImage painting is)."""
    if not 24.0 <= dpi <= 600.0:
        raise ValueError("the preview's resolution must be 24 to 600 dpi")
    geo = _Geometry(layout)
    dots_per_metre = round(dpi / 0.0254)
    probe = QImage(1, 1, QImage.Format.Format_RGB32)
    probe.setDotsPerMeterX(dots_per_metre)
    probe.setDotsPerMeterY(dots_per_metre)
    height = geo.page_h if layout == A6 else max(THERMAL_MIN_HEIGHT_MM, _paint(_Flow(probe, None, geo), data, lang))
    image = QImage(round(geo.page_w * dpi / 25.4), round(height * dpi / 25.4), QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    image.fill(QColor(255, 255, 255))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        flow = _Flow(image, painter, geo)
        if data.demo:
            _watermark(painter, flow.dpi, geo, height, receipt_text("demo", lang))
        _paint(flow, data, lang)
    finally:
        painter.end()
    return image


def write_receipt_pdf(data: ReceiptData, path: Path, *, layout: str = A6, lang: str = "id") -> Path:
    """Write the receipt as a one-page PDF at `path` and return the path."""
    if QGuiApplication.instance() is None:
        raise RuntimeError("write_receipt_pdf needs a QGuiApplication (fonts)")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_DPI)
    writer.setTitle(f"{receipt_text('title', lang)} {data.reg_no}")
    writer.setCreator("e-KTP enrollment station")
    render_receipt(writer, data, layout=layout, lang=lang)
    del writer  # the file is complete once the writer is gone
    log.info("receipt for %s written (%s)", data.reg_no, layout)
    return path


def print_receipt(parent: QWidget | None, data: ReceiptData, lang: str, *, layout: str = A6) -> bool:
    """Ask for a printer and print the receipt; False when the operator cancels."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setFullPage(True)
    printer.setDocName(f"{receipt_text('title', lang)} {data.reg_no}")
    if layout == A6:
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A6))
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(QCoreApplication.translate("Receipt", "Print receipt"))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    try:
        render_receipt(printer, data, layout=layout, lang=lang)
    except OSError:
        log.exception("printing the receipt for %s failed", data.reg_no)
        QMessageBox.warning(
            parent,
            QCoreApplication.translate("Receipt", "Print receipt"),
            QCoreApplication.translate("Receipt", "The receipt could not be printed. Check the printer."),
        )
        return False
    log.info("receipt for %s sent to the printer", data.reg_no)
    return True


def save_receipt_as(parent: QWidget | None, data: ReceiptData, lang: str) -> Path | None:
    """Ask where to save the receipt (A6 or thermal, by the chosen filter); None when cancelled."""
    a6_filter = QCoreApplication.translate("Receipt", "A6 receipt (*.pdf)")
    thermal_filter = QCoreApplication.translate("Receipt", "80 mm thermal receipt (*.pdf)")
    default = Path.home() / f"{'receipt' if lang == 'en' else 'tanda-bukti'}-{data.reg_no}.pdf"
    chosen, selected = QFileDialog.getSaveFileName(
        parent,
        QCoreApplication.translate("Receipt", "Save receipt as PDF"),
        str(default),
        f"{a6_filter};;{thermal_filter}",
        a6_filter,
    )
    if not chosen:
        return None
    path = Path(chosen)
    if path.suffix.lower() != ".pdf":
        path = path.with_name(path.name + ".pdf")
    layout = THERMAL if selected == thermal_filter else A6
    try:
        return write_receipt_pdf(data, path, layout=layout, lang=lang)
    except OSError as exc:
        log.warning("saving the receipt for %s failed: %s", data.reg_no, exc.strerror or exc)
        QMessageBox.warning(
            parent,
            QCoreApplication.translate("Receipt", "Save receipt as PDF"),
            QCoreApplication.translate("Receipt", "The receipt could not be saved there. Choose another folder."),
        )
        return None
