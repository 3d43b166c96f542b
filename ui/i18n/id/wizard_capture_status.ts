<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>CaptureStatus</name>
    <message>
        <location filename="../../wizard/capture_status.py" line="76" />
        <source>Retry</source>
        <translation>Coba lagi</translation>
    </message>
    <message>
        <location filename="../../wizard/capture_status.py" line="80" />
        <source>Copy details</source>
        <translation>Salin rincian</translation>
    </message>
</context>
</TS>