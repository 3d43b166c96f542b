<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>HomePage</name>
    <message>
        <location filename="../../main_window.py" line="107" />
        <source>New enrollment (no ticket)</source>
        <translation>Perekaman baru (tanpa nomor antrean)</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="112" />
        <source>Look up a record…</source>
        <translation>Cari rekaman…</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="119" />
        <source>Unfinished enrollments (drafts)</source>
        <translation>Perekaman belum selesai (draf)</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="125" />
        <source>Continue the selected draft</source>
        <translation>Lanjutkan draf yang dipilih</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="138" />
        <source>Counter of %1</source>
        <translation>Loket %1</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../main_window.py" line="181" />
        <source>DEMO / LATIHAN — training station: simulated devices, records are not real</source>
        <translation>DEMO / LATIHAN — stasiun latihan: perangkat simulasi, rekaman tidak nyata</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="201" />
        <source>← Back to the counter</source>
        <translation>← Kembali ke loket</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="215" />
        <source>&amp;Session</source>
        <translation>&amp;Sesi</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="216" />
        <source>Lock now</source>
        <translation>Kunci sekarang</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="220" />
        <source>Log out</source>
        <translation>Keluar</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="223" />
        <source>&amp;Consoles</source>
        <translation>&amp;Konsol</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="226" />
        <source>Devices (technician)</source>
        <translation>Perangkat (teknisi)</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="227" />
        <source>Sync (supervisor)</source>
        <translation>Sinkronisasi (supervisor)</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="228" />
        <source>Administration (supervisor)</source>
        <translation>Administrasi (supervisor)</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="237" />
        <source>&amp;Language</source>
        <translation>&amp;Bahasa</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="261" />
        <source>Your role may not open this console.</source>
        <translation>Peran Anda tidak boleh membuka konsol ini.</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="268" />
        <source>← Back</source>
        <translation>← Kembali</translation>
    </message>
</context>
</TS>