<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="id_ID">
<context>
    <name>CameraCheck</name>
    <message>
        <location filename="../../console_devices_live.py" line="139"/>
        <source>Press Start to see the camera</source>
        <translation>Tekan Mulai untuk melihat kamera</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="141"/>
        <source>Start preview</source>
        <translation>Mulai pratinjau</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="142"/>
        <source>Stop</source>
        <translation>Hentikan</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="192"/>
        <source>Live. Each check turns green when it holds.</source>
        <translation>Langsung. Setiap pemeriksaan menjadi hijau bila terpenuhi.</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="196"/>
        <source>Every check held steadily (%1 times so far).</source>
        <translation>Semua pemeriksaan terpenuhi dengan stabil (%1 kali sejauh ini).</translation>
    </message>
</context>
<context>
    <name>FingerprintCheck</name>
    <message>
        <location filename="../../console_devices_live.py" line="215"/>
        <source>No image yet</source>
        <translation>Belum ada gambar</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="220"/>
        <source>Capture a finger</source>
        <translation>Ambil sidik jari</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="221"/>
        <source>Stop</source>
        <translation>Hentikan</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="224"/>
        <source>Quality (the line marks the minimum)</source>
        <translation>Kualitas (garis menandai batas minimum)</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="251"/>
        <source>Place a finger flat on the scanner.</source>
        <translation>Letakkan satu jari rata di pemindai.</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="267"/>
        <source>Quality %1 (minimum %2): %3</source>
        <translation>Kualitas %1 (minimum %2): %3</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="273"/>
        <source>Good image. Capture again to compare.</source>
        <translation>Gambar baik. Ambil lagi untuk membandingkan.</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="275"/>
        <source>Low quality: clean the platen and the finger, then capture again.</source>
        <translation>Kualitas rendah: bersihkan kaca pemindai dan jari, lalu ambil lagi.</translation>
    </message>
</context>
<context>
    <name>SignatureCheck</name>
    <message>
        <location filename="../../console_devices_live.py" line="293"/>
        <source>Start scribble</source>
        <translation>Mulai coretan</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="294"/>
        <source>Done</source>
        <translation>Selesai</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="316"/>
        <source>Scribble over the whole pad</source>
        <translation>Coret di seluruh permukaan alat</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="332"/>
        <source>Scribble into every corner of the pad; press Done.</source>
        <translation>Coret sampai ke setiap sudut alat; tekan Selesai.</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="356"/>
        <source>The pad recorded the scribble.</source>
        <translation>Alat merekam coretan.</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="363"/>
        <source>Pad reports %1 × %2, pressure 0–%3</source>
        <translation>Alat melaporkan %1 × %2, tekanan 0–%3</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="371"/>
        <source>Ink reached x %1–%2 %, y %3–%4 % of the pad</source>
        <translation>Tinta mencapai x %1–%2 %, y %3–%4 % dari alat</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="379"/>
        <source>%1 packets, %2 noise bytes at %3 baud</source>
        <translation>%1 paket, %2 bita derau pada %3 baud</translation>
    </message>
</context>
<context>
    <name>_Check</name>
    <message>
        <location filename="../../console_devices_live.py" line="83"/>
        <source>Opening the device…</source>
        <translation>Membuka perangkat…</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="120"/>
        <source>Stopped.</source>
        <translation>Dihentikan.</translation>
    </message>
</context>
</TS>
