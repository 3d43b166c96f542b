<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>LinkPlot</name>
    <message>
        <location filename="../../link_plot.py" line="108" />
        <source>-%1 min</source>
        <translation>-%1 menit</translation>
    </message>
    <message>
        <location filename="../../link_plot.py" line="110" />
        <source>now</source>
        <translation>sekarang</translation>
    </message>
    <message>
        <location filename="../../link_plot.py" line="124" />
        <source>RTT (ms)</source>
        <translation>RTT (ms)</translation>
    </message>
    <message>
        <location filename="../../link_plot.py" line="127" />
        <source>Throughput (kB/s)</source>
        <translation>Kecepatan (kB/s)</translation>
    </message>
    <message>
        <location filename="../../link_plot.py" line="132" />
        <source>offline</source>
        <translation>terputus</translation>
    </message>
    <message>
        <location filename="../../link_plot.py" line="140" />
        <source>No measurements in the last hour</source>
        <translation>Tidak ada pengukuran dalam satu jam terakhir</translation>
    </message>
</context>
</TS>