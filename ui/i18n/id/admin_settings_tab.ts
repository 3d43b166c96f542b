<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>SettingsTab</name>
    <message>
        <location filename="../../admin/settings_tab.py" line="52" />
        <source>Central server URL</source>
        <translation>URL server pusat</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="53" />
        <source>Warn after days without sync</source>
        <translation>Peringatkan setelah hari tanpa sinkronisasi</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="54" />
        <source>Block enrollment after days without sync</source>
        <translation>Blokir perekaman setelah hari tanpa sinkronisasi</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="55" />
        <source>Warn at records waiting to be sent</source>
        <translation>Peringatkan pada jumlah rekaman menunggu dikirim</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="56" />
        <source>Block enrollment at records waiting</source>
        <translation>Blokir perekaman pada jumlah rekaman menunggu</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="57" />
        <source>Warn when the disk holds only N more enrollments</source>
        <translation>Peringatkan bila disk hanya muat N perekaman lagi</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="58" />
        <source>Block when the disk holds only N more enrollments</source>
        <translation>Blokir bila disk hanya muat N perekaman lagi</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="59" />
        <source>Keep sent packets for (days)</source>
        <translation>Simpan paket terkirim selama (hari)</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="63" />
        <source>Idle lock (minutes)</source>
        <translation>Kunci saat diam (menit)</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="64" />
        <source>Language</source>
        <translation>Bahasa</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="67" />
        <source>applies at once</source>
        <translation>berlaku seketika</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="68" />
        <source>applies from the next login</source>
        <translation>berlaku mulai login berikutnya</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="69" />
        <source>applies at the next start</source>
        <translation>berlaku saat aplikasi dimulai lagi</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="105" />
        <source>Save</source>
        <translation>Simpan</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="153" />
        <source>Nothing changed.</source>
        <translation>Tidak ada yang berubah.</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="155" />
        <source>Saved to station.toml.</source>
        <translation>Disimpan ke station.toml.</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="158" />
        <source>The idle lock changes from the next login.</source>
        <translation>Kunci saat diam berubah mulai login berikutnya.</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="160" />
        <source>The central URL and the language change at the next start.</source>
        <translation>URL pusat dan bahasa berubah pada saat aplikasi dimulai lagi.</translation>
    </message>
    <message>
        <location filename="../../admin/settings_tab.py" line="174" />
        <source>Not saved: correct the fields marked in red.</source>
        <translation>Tidak disimpan: perbaiki isian yang ditandai merah.</translation>
    </message>
</context>
</TS>