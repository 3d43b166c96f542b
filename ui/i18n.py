"""The app's two languages with Qt's own translation tools.

Source strings in the code are English (`self.tr("...")`); Bahasa Indonesia, the
default, comes from one Qt Linguist file per module: `ui/i18n/id/<module>.ts`,
compiled to `.qm` beside it. The `.qm` files are committed (so a plain install needs
no Qt tools) and a test checks that they match their `.ts` sources and that no
message is left untranslated. Messages from the core are already bilingual `Text`.

    python -m ui.i18n update [MODULE ...]   # pyside6-lupdate: add new strings to the .ts files
    python -m ui.i18n set FILE.ts MAP.json  # fill translations from {"source": "terjemahan"}
    python -m ui.i18n release               # pyside6-lrelease: .ts -> .qm
    python -m ui.i18n check                 # untranslated or stale: exit 1
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

log = logging.getLogger(__name__)

UI_DIR = Path(__file__).resolve().parent
TS_DIR = UI_DIR / "i18n" / "id"
_installed: list[QTranslator] = []


def install(app: QCoreApplication, lang: str) -> None:
    """Replace the app's translators with those of `lang` ("id" loads every .qm; "en" none)."""
    for tr in _installed:
        app.removeTranslator(tr)
    _installed.clear()
    if lang != "id":
        return
    for qm in sorted(TS_DIR.glob("*.qm")):
        tr = QTranslator(app)
        if tr.load(str(qm)):
            app.installTranslator(tr)
            _installed.append(tr)
        else:
            log.warning("translation %s did not load", qm.name)


def _tool(name: str) -> str:
    exe = shutil.which(f"pyside6-{name}") or str(Path(sys.executable).parent / f"pyside6-{name}")
    return exe


def modules() -> list[Path]:
    marks = ("tr(", "QT_TRANSLATE_NOOP(")
    return sorted(p for p in UI_DIR.rglob("*.py") if any(m in p.read_text(encoding="utf-8") for m in marks))


def ts_for(module: Path) -> Path:
    rel = module.relative_to(UI_DIR).with_suffix("")
    return TS_DIR / ("_".join(rel.parts) + ".ts")


def update(selected: list[str] | None = None) -> None:
    TS_DIR.mkdir(parents=True, exist_ok=True)
    for module in modules():
        if selected and module.stem not in selected and str(module) not in selected:
            continue
        subprocess.run(
            [
                _tool("lupdate"),
                "-silent",
                "-no-obsolete",
                "-target-language",
                "id_ID",
                str(module),
                "-ts",
                str(ts_for(module)),
            ],
            check=True,
        )


def release(out_dir: Path | None = None) -> None:
    for ts in sorted(TS_DIR.glob("*.ts")):
        qm = (out_dir or TS_DIR) / ts.with_suffix(".qm").name
        subprocess.run([_tool("lrelease"), "-silent", str(ts), "-qm", str(qm)], check=True)


def set_translations(ts: Path, mapping: dict[str, str]) -> int:
    tree = ET.parse(ts)
    n = 0
    for message in tree.iter("message"):
        source = message.findtext("source")
        if source in mapping:
            tr = message.find("translation")
            assert tr is not None
            tr.text = mapping[source]
            tr.attrib.pop("type", None)
            n += 1
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    return n


def problems() -> list[str]:
    """Untranslated messages, modules whose strings are missing from their .ts, stale .qm."""
    out: list[str] = []
    for ts in sorted(TS_DIR.glob("*.ts")):
        for message in ET.parse(ts).iter("message"):
            tr = message.find("translation")
            if tr is None or tr.get("type") in ("unfinished", "vanished", "obsolete") or not (tr.text or "").strip():
                out.append(f"{ts.name}: untranslated: {message.findtext('source')!r}")
    with tempfile.TemporaryDirectory() as tmp:
        for module in modules():
            fresh = Path(tmp) / ts_for(module).name
            subprocess.run([_tool("lupdate"), "-silent", str(module), "-ts", str(fresh)], check=True)
            want = {m.findtext("source") for m in ET.parse(fresh).iter("message")}
            have_ts = ts_for(module)
            have = {m.findtext("source") for m in ET.parse(have_ts).iter("message")} if have_ts.exists() else set()
            for source in sorted(s or "" for s in want - have):
                out.append(f"{have_ts.name}: not in the .ts file: {source!r}")
        release(Path(tmp))
        for qm in sorted(Path(tmp).glob("*.qm")):
            committed = TS_DIR / qm.name
            if not committed.exists() or committed.read_bytes() != qm.read_bytes():
                out.append(f"{qm.name}: stale or missing; run python -m ui.i18n release")
    return out


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)  # noqa: T201 - a developer tool's own output
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd == "update":
        update(rest or None)
    elif cmd == "set":
        n = set_translations(Path(rest[0]), json.loads(Path(rest[1]).read_text(encoding="utf-8")))
        print(f"{n} translations set")  # noqa: T201
    elif cmd == "release":
        release()
    elif cmd == "check":
        found = problems()
        for p in found:
            print(p)  # noqa: T201
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
