<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>SlapView</name>
    <message>
        <location filename="../../wizard/slaps.py" line="83" />
        <source>Opening the fingerprint scanner…</source>
        <translation>Membuka pemindai sidik jari…</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="84" />
        <source>Place the %1 flat on the scanner.</source>
        <translation>Letakkan %1 rata di atas pemindai.</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="85" />
        <source>%1: captured. Re-capture the slap to take it again.</source>
        <translation>%1: sudah diambil. Ambil ulang slap untuk merekam lagi.</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="86" />
        <source>All ten fingers are done.</source>
        <translation>Kesepuluh jari sudah selesai.</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="88" />
        <source>Choose the reason; a supervisor must approve it. The scanner is then told this finger is missing.</source>
        <translation>Pilih alasannya; supervisor harus menyetujuinya. Pemindai lalu diberi tahu bahwa jari ini tidak ada.</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="94" />
        <source>Recorded as an exception. Re-capture the slap to take it after all.</source>
        <translation>Dicatat sebagai pengecualian. Ambil ulang slap bila jari ternyata dapat direkam.</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="97" />
        <source>Every finger of the %1 is an exception: nothing to capture.</source>
        <translation>Semua jari pada %1 adalah pengecualian: tidak ada yang perlu diambil.</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="148" />
        <source>Re-capture slap</source>
        <translation>Ambil ulang slap</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="149" />
        <source>Next slap</source>
        <translation>Slap berikutnya</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="150" />
        <source>Mark exception…</source>
        <translation>Tandai pengecualian…</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="186" />
        <source>Device quality (the line marks the minimum, %1)</source>
        <translation>Kualitas dari alat (garis menandai batas minimum, %1)</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="379" />
        <source>%1, attempt %2 of %3: %4</source>
        <translation>%1, percobaan %2 dari %3: %4</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="386" />
        <source>below the minimum; lift the hand and place it again.</source>
        <translation>di bawah batas minimum; angkat tangan lalu letakkan lagi.</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="418" />
        <source>%1: kept attempt %2 of %3: %4</source>
        <translation>%1: disimpan percobaan %2 dari %3: %4</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="444" />
        <source>If the %1 is missing or bandaged, press 'Mark exception…'.</source>
        <translation>Bila %1 memang tidak ada atau diperban, tekan 'Tandai pengecualian…'.</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="539" />
        <source>Exception: %1</source>
        <translation>Pengecualian: %1</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="545" />
        <source>below the minimum</source>
        <translation>di bawah batas minimum</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="545" />
        <source>captured</source>
        <translation>sudah diambil</translation>
    </message>
    <message>
        <location filename="../../wizard/slaps.py" line="566" />
        <source>Click the finger on the hands first.</source>
        <translation>Klik dahulu jarinya pada gambar tangan.</translation>
    </message>
</context>
</TS>