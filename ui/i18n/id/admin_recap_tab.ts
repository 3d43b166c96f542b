<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>RecapTab</name>
    <message>
        <location filename="../../admin/recap_tab.py" line="48" />
        <source>Counting the day's records…</source>
        <translation>Menghitung rekaman hari ini…</translation>
    </message>
    <message>
        <location filename="../../admin/recap_tab.py" line="49" />
        <source>No record was sealed on this day.</source>
        <translation>Tidak ada rekaman yang disegel pada hari ini.</translation>
    </message>
    <message>
        <location filename="../../admin/recap_tab.py" line="50" />
        <source>Writing the recap…</source>
        <translation>Menulis rekap…</translation>
    </message>
    <message>
        <location filename="../../admin/recap_tab.py" line="51" />
        <source>Recap saved: %1</source>
        <translation>Rekap tersimpan: %1</translation>
    </message>
    <message>
        <location filename="../../admin/recap_tab.py" line="59" />
        <source>Day</source>
        <translation>Hari</translation>
    </message>
    <message>
        <location filename="../../admin/recap_tab.py" line="68" />
        <source>Refresh</source>
        <translation>Muat ulang</translation>
    </message>
    <message>
        <location filename="../../admin/recap_tab.py" line="69" />
        <source>Export CSV…</source>
        <translation>Ekspor CSV…</translation>
    </message>
    <message>
        <location filename="../../admin/recap_tab.py" line="71" />
        <source>Export PDF…</source>
        <translation>Ekspor PDF…</translation>
    </message>
    <message>
        <location filename="../../admin/recap_tab.py" line="140" />
        <source>PDF (*.pdf)</source>
        <translation>PDF (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../admin/recap_tab.py" line="140" />
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../../admin/recap_tab.py" line="141" />
        <source>Export the daily recap</source>
        <translation>Ekspor rekap harian</translation>
    </message>
</context>
</TS>