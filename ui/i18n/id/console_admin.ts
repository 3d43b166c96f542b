<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>AdminConsole</name>
    <message>
        <location filename="../../console_admin.py" line="47" />
        <source>Only a supervisor may use the administration console.</source>
        <translation>Hanya supervisor yang boleh memakai konsol administrasi.</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="62" />
        <source>Operators</source>
        <translation>Operator</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="63" />
        <source>Daily recap</source>
        <translation>Rekap harian</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="64" />
        <source>Audit log</source>
        <translation>Log audit</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="65" />
        <source>Settings</source>
        <translation>Pengaturan</translation>
    </message>
</context>
</TS>