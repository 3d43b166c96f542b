<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>SignaturePage</name>
    <message>
        <location filename="../../wizard/signature.py" line="152" />
        <source>Sign again</source>
        <translation>Tanda tangan lagi</translation>
    </message>
    <message>
        <location filename="../../wizard/signature.py" line="153" />
        <source>Done</source>
        <translation>Selesai</translation>
    </message>
    <message>
        <location filename="../../wizard/signature.py" line="154" />
        <source>Clear and redo</source>
        <translation>Hapus dan ulangi</translation>
    </message>
    <message>
        <location filename="../../wizard/signature.py" line="155" />
        <source>Resident cannot sign…</source>
        <translation>Penduduk tidak dapat menandatangani…</translation>
    </message>
    <message>
        <location filename="../../wizard/signature.py" line="170" />
        <source>Accepted signature</source>
        <translation>Tanda tangan diterima</translation>
    </message>
    <message>
        <location filename="../../wizard/signature.py" line="202" />
        <source>Signature saved. Clear and redo for a new one.</source>
        <translation>Tanda tangan tersimpan. Hapus dan ulangi untuk yang baru.</translation>
    </message>
    <message>
        <location filename="../../wizard/signature.py" line="224" />
        <source>Waiting for the pen…</source>
        <translation>Menunggu pena…</translation>
    </message>
    <message>
        <location filename="../../wizard/signature.py" line="225" />
        <source>Opening the signature pad…</source>
        <translation>Membuka alat tanda tangan…</translation>
    </message>
    <message>
        <location filename="../../wizard/signature.py" line="252" />
        <source>Ask the resident to sign inside the box.</source>
        <translation>Minta penduduk menandatangani di dalam kotak.</translation>
    </message>
    <message>
        <location filename="../../wizard/signature.py" line="253" />
        <source>Sign on the pad; press Done when finished.</source>
        <translation>Tanda tangani di alat; tekan Selesai bila sudah.</translation>
    </message>
    <message>
        <location filename="../../wizard/signature.py" line="298" />
        <source>Signature accepted; saving…</source>
        <translation>Tanda tangan diterima; menyimpan…</translation>
    </message>
    <message>
        <location filename="../../wizard/signature.py" line="305" />
        <source>Signature saved.</source>
        <translation>Tanda tangan tersimpan.</translation>
    </message>
    <message>
        <location filename="../../wizard/signature.py" line="323" />
        <source>signature</source>
        <translation>tanda tangan</translation>
    </message>
    <message>
        <location filename="../../wizard/signature.py" line="324" />
        <source>Choose why the resident cannot sign; a supervisor must approve it.</source>
        <translation>Pilih alasan penduduk tidak dapat menandatangani; supervisor harus menyetujuinya.</translation>
    </message>
    <message>
        <location filename="../../wizard/signature.py" line="345" />
        <source>Recorded as an exception: %1</source>
        <translation>Dicatat sebagai pengecualian: %1</translation>
    </message>
    <message>
        <location filename="../../wizard/signature.py" line="352" />
        <source>Not signed yet</source>
        <translation>Belum ditandatangani</translation>
    </message>
</context>
</TS>