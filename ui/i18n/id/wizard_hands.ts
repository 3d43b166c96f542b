<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>HandDiagram</name>
    <message>
        <location filename="../../wizard/hands.py" line="194" />
        <source>Left hand</source>
        <translation>Tangan kiri</translation>
    </message>
    <message>
        <location filename="../../wizard/hands.py" line="194" />
        <source>Right hand</source>
        <translation>Tangan kanan</translation>
    </message>
</context>
</TS>