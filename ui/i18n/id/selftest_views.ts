<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>HistoryTable</name>
    <message>
        <location filename="../../selftest_views.py" line="102" />
        <source>Time</source>
        <translation>Waktu</translation>
    </message>
    <message>
        <location filename="../../selftest_views.py" line="103" />
        <source>Technician</source>
        <translation>Teknisi</translation>
    </message>
    <message>
        <location filename="../../selftest_views.py" line="104" />
        <source>Device</source>
        <translation>Perangkat</translation>
    </message>
    <message>
        <location filename="../../selftest_views.py" line="105" />
        <source>Driver</source>
        <translation>Driver</translation>
    </message>
    <message>
        <location filename="../../selftest_views.py" line="106" />
        <source>Result</source>
        <translation>Hasil</translation>
    </message>
    <message>
        <location filename="../../selftest_views.py" line="107" />
        <source>Failed steps</source>
        <translation>Langkah gagal</translation>
    </message>
    <message>
        <location filename="../../selftest_views.py" line="132" />
        <source>passed</source>
        <translation>lulus</translation>
    </message>
    <message>
        <location filename="../../selftest_views.py" line="132" />
        <source>FAILED</source>
        <translation>GAGAL</translation>
    </message>
</context>
<context>
    <name>StepTable</name>
    <message>
        <location filename="../../selftest_views.py" line="40" />
        <source>Device</source>
        <translation>Perangkat</translation>
    </message>
    <message>
        <location filename="../../selftest_views.py" line="41" />
        <source>Step</source>
        <translation>Langkah</translation>
    </message>
    <message>
        <location filename="../../selftest_views.py" line="42" />
        <source>Result</source>
        <translation>Hasil</translation>
    </message>
    <message>
        <location filename="../../selftest_views.py" line="43" />
        <source>Measured</source>
        <translation>Terukur</translation>
    </message>
    <message>
        <location filename="../../selftest_views.py" line="44" />
        <source>Expected</source>
        <translation>Diharapkan</translation>
    </message>
    <message>
        <location filename="../../selftest_views.py" line="45" />
        <source>Remedy</source>
        <translation>Perbaikan</translation>
    </message>
    <message>
        <location filename="../../selftest_views.py" line="66" />
        <source>passed</source>
        <translation>lulus</translation>
    </message>
    <message>
        <location filename="../../selftest_views.py" line="66" />
        <source>FAILED</source>
        <translation>GAGAL</translation>
    </message>
</context>
</TS>