<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>CaptureStatus</name>
    <message>
        <location filename="../../wizard/capture_parts.py" line="218" />
        <source>Retry</source>
        <translation>Coba lagi</translation>
    </message>
    <message>
        <location filename="../../wizard/capture_parts.py" line="222" />
        <source>Copy details</source>
        <translation>Salin rincian</translation>
    </message>
</context>
<context>
    <name>ExceptionPanel</name>
    <message>
        <location filename="../../wizard/capture_parts.py" line="276" />
        <source>Required for 'Other'</source>
        <translation>Wajib untuk 'Lainnya'</translation>
    </message>
    <message>
        <location filename="../../wizard/capture_parts.py" line="277" />
        <source>Reason</source>
        <translation>Alasan</translation>
    </message>
    <message>
        <location filename="../../wizard/capture_parts.py" line="278" />
        <source>Note</source>
        <translation>Keterangan</translation>
    </message>
    <message>
        <location filename="../../wizard/capture_parts.py" line="283" />
        <source>Confirm with supervisor…</source>
        <translation>Konfirmasi dengan supervisor…</translation>
    </message>
    <message>
        <location filename="../../wizard/capture_parts.py" line="284" />
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <location filename="../../wizard/capture_parts.py" line="294" />
        <source>Exception: %1</source>
        <translation>Pengecualian: %1</translation>
    </message>
    <message>
        <location filename="../../wizard/capture_parts.py" line="306" />
        <source>For reason 'Other', write an explanation.</source>
        <translation>Untuk alasan 'Lainnya', tuliskan keterangannya.</translation>
    </message>
    <message>
        <location filename="../../wizard/capture_parts.py" line="311" />
        <source>Approve the exception '%1' (%2)?</source>
        <translation>Setujui pengecualian '%1' (%2)?</translation>
    </message>
    <message>
        <location filename="../../wizard/capture_parts.py" line="317" />
        <source>Not approved: the exception needs a supervisor's password.</source>
        <translation>Tidak disetujui: pengecualian memerlukan kata sandi supervisor.</translation>
    </message>
</context>
</TS>