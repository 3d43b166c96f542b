<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>ExceptionPanel</name>
    <message>
        <location filename="../../wizard/exception_panel.py" line="48" />
        <source>Required for 'Other'</source>
        <translation>Wajib untuk 'Lainnya'</translation>
    </message>
    <message>
        <location filename="../../wizard/exception_panel.py" line="49" />
        <source>Reason</source>
        <translation>Alasan</translation>
    </message>
    <message>
        <location filename="../../wizard/exception_panel.py" line="50" />
        <source>Note</source>
        <translation>Keterangan</translation>
    </message>
    <message>
        <location filename="../../wizard/exception_panel.py" line="55" />
        <source>Confirm with supervisor…</source>
        <translation>Konfirmasi dengan supervisor…</translation>
    </message>
    <message>
        <location filename="../../wizard/exception_panel.py" line="56" />
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <location filename="../../wizard/exception_panel.py" line="66" />
        <source>Exception: %1</source>
        <translation>Pengecualian: %1</translation>
    </message>
    <message>
        <location filename="../../wizard/exception_panel.py" line="78" />
        <source>For reason 'Other', write an explanation.</source>
        <translation>Untuk alasan 'Lainnya', tuliskan keterangannya.</translation>
    </message>
    <message>
        <location filename="../../wizard/exception_panel.py" line="83" />
        <source>Approve the exception '%1' (%2)?</source>
        <translation>Setujui pengecualian '%1' (%2)?</translation>
    </message>
    <message>
        <location filename="../../wizard/exception_panel.py" line="89" />
        <source>Not approved: the exception needs a supervisor's password.</source>
        <translation>Tidak disetujui: pengecualian memerlukan kata sandi supervisor.</translation>
    </message>
</context>
</TS>