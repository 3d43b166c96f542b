<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../main_window.py" line="100" />
        <source>DEMO / LATIHAN — training station: simulated devices, records are not real</source>
        <translation>DEMO / LATIHAN — stasiun latihan: perangkat simulasi, rekaman tidak nyata</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="123" />
        <source>← Back to the counter</source>
        <translation>← Kembali ke loket</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="138" />
        <source>&amp;Session</source>
        <translation>&amp;Sesi</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="139" />
        <source>Lock now</source>
        <translation>Kunci sekarang</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="143" />
        <source>Log out</source>
        <translation>Keluar</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="146" />
        <source>&amp;Consoles</source>
        <translation>&amp;Konsol</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="149" />
        <source>Devices (technician)</source>
        <translation>Perangkat (teknisi)</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="150" />
        <source>Sync (supervisor)</source>
        <translation>Sinkronisasi (supervisor)</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="151" />
        <source>Administration (supervisor)</source>
        <translation>Administrasi (supervisor)</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="159" />
        <source>&amp;Language</source>
        <translation>&amp;Bahasa</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="197" />
        <source>Your role may not open this console.</source>
        <translation>Peran Anda tidak boleh membuka konsol ini.</translation>
    </message>
    <message>
        <location filename="../../main_window.py" line="204" />
        <source>← Back</source>
        <translation>← Kembali</translation>
    </message>
</context>
</TS>