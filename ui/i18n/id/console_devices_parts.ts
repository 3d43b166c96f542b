<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="id_ID">
<context>
    <name>DeviceCard</name>
    <message>
        <location filename="../../console_devices_parts.py" line="72"/>
        <source>auto (detect, else simulator)</source>
        <translation>otomatis (deteksi, bila tidak ada: simulator)</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="81"/>
        <source>any port</source>
        <translation>port mana saja</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="82"/>
        <source>Save &amp;&amp; re-detect</source>
        <translation>Simpan &amp;&amp; deteksi ulang</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="83"/>
        <source>Self-test</source>
        <translation>Uji mandiri</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="84"/>
        <source>Live check</source>
        <translation>Cek langsung</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="86"/>
        <source>no fault</source>
        <translation>tanpa gangguan</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="97"/>
        <source>Driver</source>
        <translation>Driver</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="98"/>
        <source>Port or URL</source>
        <translation>Port atau URL</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="100"/>
        <source>Training: inject a fault</source>
        <translation>Latihan: sisipkan gangguan</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="140"/>
        <source>real device</source>
        <translation>perangkat asli</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="142"/>
        <source>ready</source>
        <translation>siap</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="144"/>
        <source>fault</source>
        <translation>gangguan</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="147"/>
        <source>self-test running</source>
        <translation>uji mandiri berjalan</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="149"/>
        <source>opening…</source>
        <translation>membuka…</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="151"/>
        <source>closed (opened again when next needed)</source>
        <translation>ditutup (dibuka lagi saat diperlukan)</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="175"/>
        <source>model %1</source>
        <translation>model %1</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="176"/>
        <source>s/n %1 · firmware %2</source>
        <translation>no. seri %1 · firmware %2</translation>
    </message>
</context>
<context>
    <name>HistoryTable</name>
    <message>
        <location filename="../../console_devices_parts.py" line="250"/>
        <source>Time</source>
        <translation>Waktu</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="251"/>
        <source>Technician</source>
        <translation>Teknisi</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="252"/>
        <source>Device</source>
        <translation>Perangkat</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="253"/>
        <source>Driver</source>
        <translation>Driver</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="254"/>
        <source>Result</source>
        <translation>Hasil</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="255"/>
        <source>Failed steps</source>
        <translation>Langkah gagal</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="280"/>
        <source>passed</source>
        <translation>lulus</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="280"/>
        <source>FAILED</source>
        <translation>GAGAL</translation>
    </message>
</context>
<context>
    <name>StepTable</name>
    <message>
        <location filename="../../console_devices_parts.py" line="188"/>
        <source>Device</source>
        <translation>Perangkat</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="189"/>
        <source>Step</source>
        <translation>Langkah</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="190"/>
        <source>Result</source>
        <translation>Hasil</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="191"/>
        <source>Measured</source>
        <translation>Terukur</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="192"/>
        <source>Expected</source>
        <translation>Diharapkan</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="193"/>
        <source>Remedy</source>
        <translation>Perbaikan</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="214"/>
        <source>passed</source>
        <translation>lulus</translation>
    </message>
    <message>
        <location filename="../../console_devices_parts.py" line="214"/>
        <source>FAILED</source>
        <translation>GAGAL</translation>
    </message>
</context>
</TS>
