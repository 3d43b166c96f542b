<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>HealthStrip</name>
    <message>
        <location filename="../../health.py" line="98" />
        <source>simulated</source>
        <translation>simulasi</translation>
    </message>
    <message>
        <location filename="../../health.py" line="98" />
        <source>real</source>
        <translation>asli</translation>
    </message>
    <message>
        <location filename="../../health.py" line="106" />
        <source>fault</source>
        <translation>gangguan</translation>
    </message>
    <message>
        <location filename="../../health.py" line="109" />
        <source>connecting…</source>
        <translation>menghubungkan…</translation>
    </message>
    <message>
        <location filename="../../health.py" line="112" />
        <source>not opened</source>
        <translation>belum dibuka</translation>
    </message>
    <message>
        <location filename="../../health.py" line="135" />
        <source>Link: online</source>
        <translation>Jaringan: tersambung</translation>
    </message>
    <message>
        <location filename="../../health.py" line="136" />
        <source>Link: slow</source>
        <translation>Jaringan: lambat</translation>
    </message>
    <message>
        <location filename="../../health.py" line="137" />
        <source>Link: offline</source>
        <translation>Jaringan: terputus</translation>
    </message>
    <message>
        <location filename="../../health.py" line="138" />
        <source>No centre configured</source>
        <translation>Server pusat belum diatur</translation>
    </message>
    <message>
        <location filename="../../health.py" line="139" />
        <source>Centre key missing</source>
        <translation>Kunci server pusat belum dipasang</translation>
    </message>
    <message>
        <location filename="../../health.py" line="141" />
        <source>Link: not tried yet</source>
        <translation>Jaringan: belum dicoba</translation>
    </message>
    <message>
        <location filename="../../health.py" line="154" />
        <source>%1 waiting to be sent (about %2)</source>
        <translation>%1 menunggu dikirim (sekitar %2)</translation>
    </message>
    <message>
        <location filename="../../health.py" line="157" />
        <source>Nothing waiting to be sent</source>
        <translation>Tidak ada yang menunggu dikirim</translation>
    </message>
    <message>
        <location filename="../../health.py" line="161" />
        <source>last sync %1</source>
        <translation>sinkron terakhir %1</translation>
    </message>
    <message>
        <location filename="../../health.py" line="163" />
        <source>never synced</source>
        <translation>belum pernah sinkron</translation>
    </message>
    <message>
        <location filename="../../health.py" line="166" />
        <source>Disk: enough for about %1 more enrollments</source>
        <translation>Disk: cukup untuk sekitar %1 perekaman lagi</translation>
    </message>
</context>
</TS>