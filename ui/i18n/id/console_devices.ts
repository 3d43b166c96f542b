<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="id_ID">
<context>
    <name>DeviceConsole</name>
    <message>
        <location filename="../../console_devices.py" line="121"/>
        <source>The device console is for technicians and supervisors. Ask one of them to log in.</source>
        <translation>Konsol perangkat hanya untuk teknisi dan supervisor. Minta salah satu dari mereka masuk.</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="145"/>
        <source>Self-test</source>
        <translation>Uji mandiri</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="150"/>
        <source>Newest first. Double-click a row to show that run&apos;s steps.</source>
        <translation>Terbaru di atas. Klik dua kali sebuah baris untuk melihat langkah-langkah uji itu.</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="152"/>
        <source>History</source>
        <translation>Riwayat</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="154"/>
        <source>Live check</source>
        <translation>Cek langsung</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="187"/>
        <source>Test all devices</source>
        <translation>Uji semua perangkat</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="188"/>
        <source>Stop</source>
        <translation>Hentikan</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="189"/>
        <source>Export HTML…</source>
        <translation>Ekspor HTML…</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="190"/>
        <source>Export PDF…</source>
        <translation>Ekspor PDF…</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="197"/>
        <source>No self-test run yet in this session.</source>
        <translation>Belum ada uji mandiri di sesi ini.</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="264"/>
        <source>Saved: %1 uses %2 @ %3. Detecting…</source>
        <translation>Tersimpan: %1 memakai %2 @ %3. Mendeteksi…</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="295"/>
        <source>Training: %1 now simulates &apos;%2&apos;.</source>
        <translation>Latihan: %1 sekarang mensimulasikan &apos;%2&apos;.</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="297"/>
        <source>Training: %1 works normally again.</source>
        <translation>Latihan: %1 kembali normal.</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="320"/>
        <source>Testing… each step appears as it finishes.</source>
        <translation>Menguji… setiap langkah muncul begitu selesai.</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="385"/>
        <source>%1, %2: every step passed.</source>
        <translation>%1, %2: semua langkah lulus.</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="387"/>
        <source>%1, %2: some steps FAILED; see the remedies.</source>
        <translation>%1, %2: ada langkah yang GAGAL; lihat perbaikannya.</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="395"/>
        <source>Self-test stopped; nothing was stored.</source>
        <translation>Uji mandiri dihentikan; tidak ada yang disimpan.</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="441"/>
        <source>PDF (*.pdf)</source>
        <translation>PDF (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="441"/>
        <source>Web page (*.html)</source>
        <translation>Halaman web (*.html)</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="442"/>
        <source>Export the self-test report</source>
        <translation>Ekspor laporan uji mandiri</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="447"/>
        <source>Writing the report…</source>
        <translation>Menulis laporan…</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="455"/>
        <source>Report saved: %1</source>
        <translation>Laporan tersimpan: %1</translation>
    </message>
    <message>
        <location filename="../../console_devices.py" line="489"/>
        <source>Device console</source>
        <translation>Konsol perangkat</translation>
    </message>
</context>
</TS>
