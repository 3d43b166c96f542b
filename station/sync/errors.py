"""Sync failures by kind: each has its own message, never a generic "no connection".

`outcome` says what the worker may conclude:
- "transient": nothing happened at the centre (refused, busy); retry later;
- "ambiguous": the request may or may not have taken effect (timeout after sending,
  connection reset, 502/504): resolve by resending or reconciling, never assume failure;
- "permanent": the centre refused this record for good (quarantine it);
- "station": the centre refuses this station (unknown, bad signature, clock skew),
  or the station itself is not set up to trust an answer (no receipt key, http:// to
  a remote address): stop and tell the supervisor, no record is at fault.

`sync.untrusted_answer` is ambiguous on purpose: an answer that does not prove what
it claims (a forged, malformed or mismatched receipt) tells the station nothing, so
whether the request took effect is unknown, exactly as after a timeout. The record
stays pending, is retried with backoff, and its next attempt asks the centre again
(register), which a real centre answers with a signed verdict. It is not "station":
nothing in the station's set-up is wrong, and the next answer may well be genuine.
"""

from __future__ import annotations

from common.errors import UserFacingError
from common.text import Text
from wire.codes import CODES, Outcome

TRANSIENT = Outcome.TRANSIENT
AMBIGUOUS = Outcome.AMBIGUOUS
PERMANENT = Outcome.PERMANENT
STATION = Outcome.STATION


def _wire(code: str, message: Text, remedy: Text | None = None) -> tuple[str, tuple[Outcome, Text, Text | None]]:
    """A message for a wire code: its outcome is the contract's (wire.codes), not ours."""
    return code, (CODES[code].outcome, message, remedy)


# The station's own codes (sync.*), each with its outcome, message and remedy.
MESSAGES: dict[str, tuple[Outcome, Text, Text | None]] = {
    "sync.no_central": (
        STATION,
        Text("Alamat server pusat belum diatur.", "No central server address is configured."),
        Text(
            "Atur alamat pusat di pengaturan atau dengan station central set --url URL --supervisor USER.",
            "Set the central address in the settings or with station central set --url URL --supervisor USER.",
        ),
    ),
    "sync.no_central_key": (
        STATION,
        Text("Kunci publik server pusat belum dipasang.", "The central server's public key is not installed."),
        Text(
            "Pasang kuncinya: station central set --public-key FILE --supervisor USER.",
            "Install it: station central set --public-key FILE --supervisor USER.",
        ),
    ),
    "sync.no_receipt_key": (
        STATION,
        Text(
            "Kunci tanda terima server pusat belum dipasang; tanda terima tidak dapat diperiksa.",
            "The central server's receipt key is not installed; receipts cannot be checked.",
        ),
        Text(
            "Pasang berkas kunci gabungan dari 'station-central pubkey': station central set --public-key FILE --supervisor USER.",
            "Install the key bundle from 'station-central pubkey': station central set --public-key FILE --supervisor USER.",
        ),
    ),
    "sync.insecure_http": (
        STATION,
        Text(
            "Alamat pusat memakai http:// ke alamat yang bukan komputer ini; pengiriman ditolak.",
            "The central address uses http:// to an address that is not this computer; sync refused.",
        ),
        Text(
            "Pakai https://, atau supervisor mengizinkan http:// di pengaturan (sync.allow_insecure_http).",
            "Use https://, or a supervisor allows http:// in the settings (sync.allow_insecure_http).",
        ),
    ),
    "sync.untrusted_answer": (
        AMBIGUOUS,
        Text(
            "Jawaban yang diterima tidak berasal dari server pusat yang asli (tanda tangan atau isinya tidak cocok).",
            "The answer did not come from the real central server (its signature or content does not match).",
        ),
        Text(
            "Periksa jaringan (gateway palsu, portal login Wi-Fi, alamat salah); rekaman tetap disimpan "
            "dan akan dikirim lagi.",
            "Check the network (rogue gateway, Wi-Fi login portal, wrong address); records are kept and "
            "will be sent again.",
        ),
    ),
    "sync.offline": (
        TRANSIENT,
        Text(
            "Server pusat tidak dapat dihubungi (jaringan putus atau server mati).",
            "The central server cannot be reached (link down or server off).",
        ),
        Text(
            "Perekaman tetap berjalan; data dikirim otomatis saat jaringan kembali.",
            "Enrollment goes on; records are sent automatically when the link returns.",
        ),
    ),
    "sync.timeout": (
        AMBIGUOUS,
        Text(
            "Server pusat tidak menjawab tepat waktu (jaringan lambat).",
            "The central server did not answer in time (slow link).",
        ),
        None,
    ),
    "sync.interrupted": (
        AMBIGUOUS,
        Text("Sambungan terputus di tengah pengiriman.", "The connection broke during a transfer."),
        None,
    ),
    "sync.gateway": (
        AMBIGUOUS,
        Text("Gerbang jaringan pusat gagal (502/504).", "The central gateway failed (502/504)."),
        None,
    ),
    "sync.busy": (
        TRANSIENT,
        Text("Server pusat sedang sibuk; dicoba lagi nanti.", "The central server is busy; trying again later."),
        Text(
            "Jaringan baik; pusat meminta stasiun menunggu. Rekaman tetap disimpan dan dikirim otomatis.",
            "The link is fine; the centre asked the station to wait. Records are kept and sent automatically.",
        ),
    ),
    "sync.server_error": (
        TRANSIENT,
        Text("Server pusat mengalami kesalahan.", "The central server had an error."),
        None,
    ),
    "sync.protocol": (
        TRANSIENT,
        Text("Jawaban server pusat tidak dapat dipahami.", "The central server's answer could not be understood."),
        Text(
            "Periksa alamat pusat (mungkin portal login Wi-Fi atau proksi).",
            "Check the central address (it may be a Wi-Fi login portal or a proxy).",
        ),
    ),
}

# The wire's codes (wire.codes), in the station's words; the outcome is the contract's.
WIRE_MESSAGES: dict[str, tuple[Outcome, Text, Text | None]] = dict(
    [
        _wire(
            "auth.unknown_station",
            Text(
                "Stasiun ini belum terdaftar di server pusat.", "This station is not registered at the central server."
            ),
            Text(
                "Minta admin pusat mendaftarkan kunci publik stasiun (station central pubkey).",
                "Ask the central admin to register the station's public key (station central pubkey).",
            ),
        ),
        _wire(
            "auth.bad_signature",
            Text(
                "Server pusat menolak tanda tangan stasiun (kunci tidak cocok).",
                "The central server rejects the station's signature (key mismatch).",
            ),
            Text(
                "Daftarkan ulang kunci publik stasiun di pusat.",
                "Register the station's public key at the centre again.",
            ),
        ),
        _wire(
            "auth.clock_skew",
            Text(
                "Jam stasiun berbeda terlalu jauh dari jam server pusat.",
                "The station clock is too far from the central server's clock.",
            ),
            Text(
                "Atur tanggal dan jam komputer, lalu sinkronkan lagi.",
                "Set the computer's date and time, then sync again.",
            ),
        ),
        _wire(
            "auth.wrong_station",
            Text(
                "Kode stasiun tidak sesuai dengan kunci yang terdaftar.",
                "The station code does not match the registered key.",
            ),
            None,
        ),
        _wire(
            "record.hash_conflict",
            Text(
                "Pusat sudah memiliki rekaman ini dengan isi berbeda.",
                "The centre already holds this record with different content.",
            ),
            Text(
                "Supervisor: periksa rekaman lalu kirim ulang sebagai koreksi.",
                "Supervisor: check the record, then send it again as a correction.",
            ),
        ),
        _wire(
            "commit.rejected",
            Text("Pusat menolak paket rekaman ini.", "The centre rejected this record's packet."),
            Text(
                "Supervisor: lihat alasannya, perbaiki, lalu antre ulang.",
                "Supervisor: read the reason, fix it, then requeue.",
            ),
        ),
        _wire(
            "record.withdrawn",
            Text(
                "Stasiun ini sudah menarik rekaman ini di pusat; paketnya tidak diterima.",
                "This station withdrew this record at the centre; its packet is not taken.",
            ),
            Text(
                "Supervisor: rekaman ditolak saat persetujuan akhir hari; rekam ulang bila perlu.",
                "Supervisor: the record was rejected at end-of-day approval; enroll again if needed.",
            ),
        ),
        _wire(
            "record.not_withdrawable",
            Text(
                "Pusat sudah memegang rekaman ini, sehingga tidak dapat ditarik.",
                "The centre already holds this record, so it cannot be withdrawn.",
            ),
            Text(
                "Supervisor: periksa status rekaman di pusat (station sync --force) dan hubungi admin pusat.",
                "Supervisor: check the record's state at the centre (station sync --force) and contact the central admin.",
            ),
        ),
        _wire(
            "record.seq_conflict",
            Text(
                "Pusat sudah memiliki rekaman lain dengan nomor urut stasiun yang sama.",
                "The centre already holds another record with the same station sequence number.",
            ),
            Text(
                "Supervisor: periksa basis data stasiun (station db check) dan hubungi admin pusat.",
                "Supervisor: check the station database (station db check) and contact the central admin.",
            ),
        ),
        _wire(
            "auth.replay",
            Text(
                "Pusat menolak permintaan yang terulang (mungkin diputar ulang di jaringan).",
                "The centre refused a repeated request (it may have been replayed on the network).",
            ),
            None,
        ),
        _wire(
            "request.timeout",
            Text(
                "Pusat berhenti menunggu isi permintaan (jaringan terlalu lambat).",
                "The centre stopped waiting for the request body (link too slow).",
            ),
            None,
        ),
        _wire(
            "upload.too_large",
            Text("Paket rekaman terlalu besar untuk pusat.", "The record's packet is too large for the centre."),
            None,
        ),
        _wire(
            "auth.missing_headers",
            Text(
                "Pusat menolak permintaan tanpa tanda tangan lengkap.",
                "The centre refused a request without a complete signature.",
            ),
        ),
        _wire(
            "auth.body_hash",
            Text(
                "Isi permintaan berubah di jalan (tidak cocok dengan tanda tangannya); dikirim lagi.",
                "The request's body changed on the way (it does not match its signature); sending it again.",
            ),
        ),
        _wire(
            "record.not_registered",
            Text(
                "Pusat belum mengenal rekaman ini; rekaman didaftarkan lagi.",
                "The centre does not know this record yet; registering it again.",
            ),
        ),
        _wire(
            "upload.offset_mismatch",
            Text(
                "Posisi unggahan berbeda dengan catatan pusat; melanjutkan dari posisi pusat.",
                "The upload position differs from the centre's; going on from the centre's.",
            ),
        ),
        _wire(
            "upload.checksum_mismatch",
            Text(
                "Sepotong data rusak di jalan; potongan itu dikirim lagi.",
                "A chunk was damaged on the way; sending it again.",
            ),
        ),
        _wire(
            "upload.content_type",
            Text("Pusat menolak jenis isi unggahan.", "The centre refused the upload's content type."),
        ),
        _wire(
            "upload.tus_version",
            Text(
                "Pusat tidak mendukung versi protokol unggahan stasiun ini.",
                "The centre does not support this station's upload protocol version.",
            ),
        ),
        _wire(
            "commit.incomplete",
            Text(
                "Pusat belum menerima semua data rekaman; sisanya dikirim dulu.",
                "The centre does not hold all of the record's bytes yet; sending the rest first.",
            ),
        ),
        _wire(
            "request.invalid",
            Text("Pusat menolak permintaan yang tidak sah.", "The centre refused an invalid request."),
        ),
        _wire(
            "request.too_large",
            Text("Permintaan terlalu besar untuk pusat.", "The request is too large for the centre."),
        ),
        _wire(
            "request.not_found",
            Text(
                "Alamat pusat tidak mengenal permintaan ini.",
                "The central address does not know this request.",
            ),
            Text(
                "Periksa alamat pusat di pengaturan.",
                "Check the central address in the settings.",
            ),
        ),
        _wire(
            "request.method_not_allowed",
            Text(
                "Alamat pusat tidak menerima permintaan ini.",
                "The central address does not accept this request.",
            ),
            Text(
                "Periksa alamat pusat di pengaturan.",
                "Check the central address in the settings.",
            ),
        ),
        _wire(
            "server.busy",
            Text("Server pusat sedang sibuk; dicoba lagi nanti.", "The central server is busy; trying again later."),
        ),
        _wire(
            "server.error",
            Text("Server pusat mengalami kesalahan.", "The central server had an error."),
        ),
    ]
)
MESSAGES.update(WIRE_MESSAGES)


class SyncError(UserFacingError):
    """A sync step that failed; `code` names it and `outcome` says what may be concluded.

    `verdict` is the centre's signed verdict carried by an error answer that refuses a
    record for good (still unverified here: the worker checks it before believing it)."""

    def __init__(
        self,
        code: str,
        detail: str = "",
        *,
        retry_after: float | None = None,
        http_status: int | None = None,
        verdict: object = None,
    ) -> None:
        outcome, message, remedy = MESSAGES.get(code, (TRANSIENT, Text(detail or code, detail or code), None))
        if detail and code in MESSAGES:
            message = Text(f"{message.id} ({detail})", f"{message.en} ({detail})")
        super().__init__(message, code=code, remedy=remedy)
        self.outcome = outcome
        self.detail = detail
        self.retry_after = retry_after
        self.http_status = http_status
        self.verdict = verdict
