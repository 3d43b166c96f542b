<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>FingerprintPage</name>
    <message>
        <location filename="../../wizard/fingers.py" line="101" />
        <source>Mark exception…</source>
        <translation>Tandai pengecualian…</translation>
    </message>
    <message>
        <location filename="../../wizard/fingers.py" line="102" />
        <source>Re-capture</source>
        <translation>Ambil ulang</translation>
    </message>
    <message>
        <location filename="../../wizard/fingers.py" line="140" />
        <source>Quality (the line marks the minimum)</source>
        <translation>Kualitas (garis menandai batas minimum)</translation>
    </message>
    <message>
        <location filename="../../wizard/fingers.py" line="186" />
        <source>Recorded as an exception. Re-capture to take it after all.</source>
        <translation>Dicatat sebagai pengecualian. Ambil ulang bila jari ternyata dapat direkam.</translation>
    </message>
    <message>
        <location filename="../../wizard/fingers.py" line="188" />
        <source>Captured. Re-capture to take it again.</source>
        <translation>Sudah diambil. Ambil ulang untuk merekam lagi.</translation>
    </message>
    <message>
        <location filename="../../wizard/fingers.py" line="203" />
        <source>Opening the fingerprint scanner…</source>
        <translation>Membuka pemindai sidik jari…</translation>
    </message>
    <message>
        <location filename="../../wizard/fingers.py" line="220" />
        <source>Place the %1 flat on the scanner.</source>
        <translation>Letakkan %1 rata di atas pemindai.</translation>
    </message>
    <message>
        <location filename="../../wizard/fingers.py" line="270" />
        <source>%1, attempt %2 of %3: quality %4</source>
        <translation>%1, percobaan %2 dari %3: kualitas %4</translation>
    </message>
    <message>
        <location filename="../../wizard/fingers.py" line="273" />
        <source>too low; lift the finger and place it again.</source>
        <translation>terlalu rendah; angkat jari lalu letakkan lagi.</translation>
    </message>
    <message>
        <location filename="../../wizard/fingers.py" line="280" />
        <source>%1: kept the best of %2 attempts, quality %3</source>
        <translation>%1: disimpan yang terbaik dari %2 percobaan, kualitas %3</translation>
    </message>
    <message>
        <location filename="../../wizard/fingers.py" line="298" />
        <source>Lift the finger and clean the platen, then press Retry.</source>
        <translation>Angkat jari dan bersihkan kaca pemindai, lalu tekan Coba lagi.</translation>
    </message>
    <message>
        <location filename="../../wizard/fingers.py" line="311" />
        <source>All ten fingers are done.</source>
        <translation>Kesepuluh jari sudah selesai.</translation>
    </message>
    <message>
        <location filename="../../wizard/fingers.py" line="326" />
        <source>Choose the reason; a supervisor must approve it.</source>
        <translation>Pilih alasannya; supervisor harus menyetujuinya.</translation>
    </message>
    <message>
        <location filename="../../wizard/fingers.py" line="367" />
        <source>Exception: %1</source>
        <translation>Pengecualian: %1</translation>
    </message>
    <message>
        <location filename="../../wizard/fingers.py" line="371" />
        <source>captured</source>
        <translation>sudah diambil</translation>
    </message>
</context>
</TS>