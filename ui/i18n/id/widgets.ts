<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>SupervisorDialog</name>
    <message>
        <location filename="../../widgets.py" line="53" />
        <source>Supervisor confirmation</source>
        <translation>Konfirmasi supervisor</translation>
    </message>
    <message>
        <location filename="../../widgets.py" line="62" />
        <source>Supervisor</source>
        <translation>Supervisor</translation>
    </message>
    <message>
        <location filename="../../widgets.py" line="63" />
        <source>Password</source>
        <translation>Kata sandi</translation>
    </message>
</context>
<context>
    <name>parent</name>
    <message>
        <location filename="../../widgets.py" line="32" />
        <source>Station</source>
        <translation>Stasiun</translation>
    </message>
    <message>
        <location filename="../../widgets.py" line="36" />
        <source>Copy details</source>
        <translation>Salin rincian</translation>
    </message>
</context>
</TS>