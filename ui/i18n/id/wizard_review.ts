<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>ReviewPage</name>
    <message>
        <location filename="../../wizard/review.py" line="64" />
        <source>Review the record before sealing</source>
        <translation>Periksa rekaman sebelum disegel</translation>
    </message>
    <message>
        <location filename="../../wizard/review.py" line="78" />
        <source>Seal the record</source>
        <translation>Segel rekaman</translation>
    </message>
    <message>
        <location filename="../../wizard/review.py" line="128" />
        <source>Right eye</source>
        <translation>Mata kanan</translation>
    </message>
    <message>
        <location filename="../../wizard/review.py" line="128" />
        <source>Left eye</source>
        <translation>Mata kiri</translation>
    </message>
    <message>
        <location filename="../../wizard/review.py" line="152" />
        <source>Change</source>
        <translation>Ubah</translation>
    </message>
    <message>
        <location filename="../../wizard/review.py" line="179" />
        <source>not captured</source>
        <translation>belum diambil</translation>
    </message>
    <message>
        <location filename="../../wizard/review.py" line="183" />
        <source>quality</source>
        <translation>kualitas</translation>
    </message>
    <message>
        <location filename="../../wizard/review.py" line="202" />
        <source>Exception: %1 (approved by %2)</source>
        <translation>Pengecualian: %1 (disetujui %2)</translation>
    </message>
</context>
</TS>