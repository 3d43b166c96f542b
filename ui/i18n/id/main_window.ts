<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>HomePage</name>
    <message>
        <location filename="../../main_window.py" line="78" />
        <source>New enrollment (no ticket)</source>
        <translation>Perekaman baru (tanpa nomor antrean)</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="83" />
        <source>Look up a record…</source>
        <translation>Cari rekaman…</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="90" />
        <source>Unfinished enrollments (drafts)</source>
        <translation>Perekaman belum selesai (draf)</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="96" />
        <source>Continue the selected draft</source>
        <translation>Lanjutkan draf yang dipilih</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="109" />
        <source>Counter of %1</source>
        <translation>Loket %1</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../main_window.py" line="145" />
        <source>DEMO / LATIHAN — training station: simulated devices, records are not real</source>
        <translation>DEMO / LATIHAN — stasiun latihan: perangkat simulasi, rekaman tidak nyata</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="165" />
        <source>← Back to the counter</source>
        <translation>← Kembali ke loket</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="179" />
        <source>&amp;Session</source>
        <translation>&amp;Sesi</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="180" />
        <source>Lock now</source>
        <translation>Kunci sekarang</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="184" />
        <source>Log out</source>
        <translation>Keluar</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="187" />
        <source>&amp;Language</source>
        <translation>&amp;Bahasa</translation>
    </message>
</context>
</TS>