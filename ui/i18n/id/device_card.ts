<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>DeviceCard</name>
    <message>
        <location filename="../../device_card.py" line="56" />
        <source>auto (detect, else simulator)</source>
        <translation>otomatis (deteksi, bila tidak ada: simulator)</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="65" />
        <source>any port</source>
        <translation>port mana saja</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="66" />
        <source>Save &amp;&amp; re-detect</source>
        <translation>Simpan &amp;&amp; deteksi ulang</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="67" />
        <source>Self-test</source>
        <translation>Uji mandiri</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="68" />
        <source>Live check</source>
        <translation>Cek langsung</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="70" />
        <source>no fault</source>
        <translation>tanpa gangguan</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="81" />
        <source>Driver</source>
        <translation>Driver</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="82" />
        <source>Port or URL</source>
        <translation>Port atau URL</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="84" />
        <source>Training: inject a fault</source>
        <translation>Latihan: sisipkan gangguan</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="124" />
        <source>real device</source>
        <translation>perangkat asli</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="126" />
        <source>ready</source>
        <translation>siap</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="128" />
        <source>fault</source>
        <translation>gangguan</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="131" />
        <source>self-test running</source>
        <translation>uji mandiri berjalan</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="133" />
        <source>opening…</source>
        <translation>membuka…</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="135" />
        <source>closed (opened again when next needed)</source>
        <translation>ditutup (dibuka lagi saat diperlukan)</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="159" />
        <source>model %1</source>
        <translation>model %1</translation>
    </message>
    <message>
        <location filename="../../device_card.py" line="160" />
        <source>s/n %1 · firmware %2</source>
        <translation>no. seri %1 · firmware %2</translation>
    </message>
</context>
</TS>