<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>HomePage</name>
    <message>
        <location filename="../../home_page.py" line="53" />
        <source>New enrollment (no ticket)</source>
        <translation>Perekaman baru (tanpa nomor antrean)</translation>
    </message>
    <message>
        <location filename="../../home_page.py" line="58" />
        <source>Look up a record…</source>
        <translation>Cari rekaman…</translation>
    </message>
    <message>
        <location filename="../../home_page.py" line="65" />
        <source>Unfinished enrollments (drafts)</source>
        <translation>Perekaman belum selesai (draf)</translation>
    </message>
    <message>
        <location filename="../../home_page.py" line="71" />
        <source>Continue the selected draft</source>
        <translation>Lanjutkan draf yang dipilih</translation>
    </message>
    <message>
        <location filename="../../home_page.py" line="84" />
        <source>Counter of %1</source>
        <translation>Loket %1</translation>
    </message>
</context>
</TS>