<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>HandDiagram</name>
    <message>
        <location filename="../../wizard/hands.py" line="167" />
        <source>quality %1 (minimum %2)</source>
        <translation>kualitas %1 (minimum %2)</translation>
    </message>
    <message>
        <location filename="../../wizard/hands.py" line="261" />
        <source>Left hand</source>
        <translation>Tangan kiri</translation>
    </message>
    <message>
        <location filename="../../wizard/hands.py" line="261" />
        <source>Right hand</source>
        <translation>Tangan kanan</translation>
    </message>
    <message>
        <location filename="../../wizard/hands.py" line="265" />
        <source>Minimum quality %1</source>
        <translation>Kualitas minimum %1</translation>
    </message>
</context>
</TS>