<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>CameraCheck</name>
    <message>
        <location filename="../../console_devices_live.py" line="182" />
        <source>Press Start to see the camera</source>
        <translation>Tekan Mulai untuk melihat kamera</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="184" />
        <source>Start preview</source>
        <translation>Mulai pratinjau</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="185" />
        <source>Stop</source>
        <translation>Hentikan</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="169" />
        <source>Live. Each check turns green when it holds.</source>
        <translation>Langsung. Setiap pemeriksaan menjadi hijau bila terpenuhi.</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="170" />
        <source>Every check held steadily (%1 times so far).</source>
        <translation>Semua pemeriksaan terpenuhi dengan stabil (%1 kali sejauh ini).</translation>
    </message>
</context>
<context>
    <name>FingerprintCheck</name>
    <message>
        <location filename="../../console_devices_live.py" line="255" />
        <source>No image yet</source>
        <translation>Belum ada gambar</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="260" />
        <source>Capture a finger</source>
        <translation>Ambil sidik jari</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="261" />
        <source>Stop</source>
        <translation>Hentikan</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="264" />
        <source>Quality (the line marks the minimum)</source>
        <translation>Kualitas (garis menandai batas minimum)</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="238" />
        <source>Place a finger flat on the scanner.</source>
        <translation>Letakkan satu jari rata di pemindai.</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="307" />
        <source>Quality %1 (minimum %2): %3</source>
        <translation>Kualitas %1 (minimum %2): %3</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="239" />
        <source>Good image. Capture again to compare.</source>
        <translation>Gambar baik. Ambil lagi untuk membandingkan.</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="241" />
        <source>Low quality: clean the platen and the finger, then capture again.</source>
        <translation>Kualitas rendah: bersihkan kaca pemindai dan jari, lalu ambil lagi.</translation>
    </message>
</context>
<context>
    <name>IrisCheck</name>
    <message>
        <location filename="../../console_devices_live.py" line="426" />
        <source>Look into the camera with both eyes open.</source>
        <translation>Lihat ke kamera dengan kedua mata terbuka.</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="427" />
        <source>Both eyes pass. Capture again to compare.</source>
        <translation>Kedua mata lolos. Ambil lagi untuk membandingkan.</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="429" />
        <source>Below the limits: clean the camera's window, check the light, capture again.</source>
        <translation>Di bawah batas: bersihkan kaca kamera, periksa cahaya, lalu ambil lagi.</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="442" />
        <source>Press Capture to see both eyes</source>
        <translation>Tekan Ambil untuk melihat kedua mata</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="446" />
        <source>Capture both eyes</source>
        <translation>Ambil kedua mata</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="447" />
        <source>Stop</source>
        <translation>Hentikan</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="474" />
        <source>all pass</source>
        <translation>semua lolos</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="475" />
        <source>Left eye</source>
        <translation>Mata kiri</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="475" />
        <source>Right eye</source>
        <translation>Mata kanan</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="477" />
        <source>%1: device score %2 (minimum %3); station checks: %4</source>
        <translation>%1: skor alat %2 (minimum %3); pemeriksaan stasiun: %4</translation>
    </message>
</context>
<context>
    <name>SignatureCheck</name>
    <message>
        <location filename="../../console_devices_live.py" line="341" />
        <source>Start scribble</source>
        <translation>Mulai coretan</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="342" />
        <source>Done</source>
        <translation>Selesai</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="350" />
        <source>Scribble over the whole pad</source>
        <translation>Coret di seluruh permukaan alat</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="323" />
        <source>Scribble into every corner of the pad; press Done.</source>
        <translation>Coret sampai ke setiap sudut alat; tekan Selesai.</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="324" />
        <source>The pad recorded the scribble.</source>
        <translation>Alat merekam coretan.</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="397" />
        <source>Pad reports %1 × %2, pressure 0–%3</source>
        <translation>Alat melaporkan %1 × %2, tekanan 0–%3</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="405" />
        <source>Ink reached x %1–%2 %, y %3–%4 % of the pad</source>
        <translation>Tinta mencapai x %1–%2 %, y %3–%4 % dari alat</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="413" />
        <source>%1 packets, %2 noise bytes at %3 baud</source>
        <translation>%1 paket, %2 bita derau pada %3 baud</translation>
    </message>
</context>
<context>
    <name>_Check</name>
    <message>
        <location filename="../../console_devices_live.py" line="72" />
        <source>Opening the device…</source>
        <translation>Membuka perangkat…</translation>
    </message>
    <message>
        <location filename="../../console_devices_live.py" line="73" />
        <source>Stopped.</source>
        <translation>Dihentikan.</translation>
    </message>
</context>
</TS>