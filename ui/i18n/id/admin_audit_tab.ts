<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>AuditTab</name>
    <message>
        <location filename="../../admin/audit_tab.py" line="61" />
        <location filename="../../admin/audit_tab.py" line="80" />
        <source>Person</source>
        <translation>Orang</translation>
    </message>
    <message>
        <location filename="../../admin/audit_tab.py" line="62" />
        <location filename="../../admin/audit_tab.py" line="80" />
        <source>Action</source>
        <translation>Tindakan</translation>
    </message>
    <message>
        <location filename="../../admin/audit_tab.py" line="63" />
        <source>From</source>
        <translation>Dari</translation>
    </message>
    <message>
        <location filename="../../admin/audit_tab.py" line="64" />
        <source>To</source>
        <translation>Sampai</translation>
    </message>
    <message>
        <location filename="../../admin/audit_tab.py" line="73" />
        <source>Refresh</source>
        <translation>Muat ulang</translation>
    </message>
    <message>
        <location filename="../../admin/audit_tab.py" line="80" />
        <source>Time</source>
        <translation>Waktu</translation>
    </message>
    <message>
        <location filename="../../admin/audit_tab.py" line="80" />
        <source>Target</source>
        <translation>Sasaran</translation>
    </message>
    <message>
        <location filename="../../admin/audit_tab.py" line="80" />
        <source>Detail</source>
        <translation>Rincian</translation>
    </message>
    <message>
        <location filename="../../admin/audit_tab.py" line="87" />
        <source>Newer</source>
        <translation>Lebih baru</translation>
    </message>
    <message>
        <location filename="../../admin/audit_tab.py" line="89" />
        <source>Older</source>
        <translation>Lebih lama</translation>
    </message>
    <message>
        <location filename="../../admin/audit_tab.py" line="95" />
        <location filename="../../admin/audit_tab.py" line="160" />
        <source>(everyone)</source>
        <translation>(semua orang)</translation>
    </message>
    <message>
        <location filename="../../admin/audit_tab.py" line="96" />
        <location filename="../../admin/audit_tab.py" line="161" />
        <source>(every action)</source>
        <translation>(semua tindakan)</translation>
    </message>
    <message>
        <location filename="../../admin/audit_tab.py" line="104" />
        <source>any</source>
        <translation>semua</translation>
    </message>
    <message>
        <location filename="../../admin/audit_tab.py" line="164" />
        <source>✔ Audit chain intact (%1 events)</source>
        <translation>✔ Rantai audit utuh (%1 peristiwa)</translation>
    </message>
    <message>
        <location filename="../../admin/audit_tab.py" line="167" />
        <source>✘ Audit chain BROKEN at event #%1: %2 problem(s) in %3 events; rows altered or removed.</source>
        <translation>✘ Rantai audit RUSAK pada peristiwa #%1: %2 masalah dalam %3 peristiwa; ada baris yang diubah atau dihapus.</translation>
    </message>
    <message>
        <location filename="../../admin/audit_tab.py" line="186" />
        <source>Events %1-%2 of %3</source>
        <translation>Peristiwa %1-%2 dari %3</translation>
    </message>
</context>
</TS>