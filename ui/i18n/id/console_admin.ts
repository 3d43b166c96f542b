<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>AdminConsole</name>
    <message>
        <location filename="../../console_admin.py" line="630" />
        <source>Only a supervisor may use the administration console.</source>
        <translation>Hanya supervisor yang boleh memakai konsol administrasi.</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="644" />
        <source>Operators</source>
        <translation>Operator</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="645" />
        <source>Audit log</source>
        <translation>Log audit</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="646" />
        <source>Settings</source>
        <translation>Pengaturan</translation>
    </message>
</context>
<context>
    <name>AuditTab</name>
    <message>
        <location filename="../../console_admin.py" line="364" />
        <location filename="../../console_admin.py" line="382" />
        <source>Person</source>
        <translation>Orang</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="365" />
        <location filename="../../console_admin.py" line="382" />
        <source>Action</source>
        <translation>Tindakan</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="366" />
        <source>From</source>
        <translation>Dari</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="367" />
        <source>To</source>
        <translation>Sampai</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="376" />
        <source>Refresh</source>
        <translation>Muat ulang</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="382" />
        <source>Time</source>
        <translation>Waktu</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="382" />
        <source>Target</source>
        <translation>Sasaran</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="382" />
        <source>Detail</source>
        <translation>Rincian</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="388" />
        <source>Newer</source>
        <translation>Lebih baru</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="390" />
        <source>Older</source>
        <translation>Lebih lama</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="396" />
        <location filename="../../console_admin.py" line="461" />
        <source>(everyone)</source>
        <translation>(semua orang)</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="397" />
        <location filename="../../console_admin.py" line="462" />
        <source>(every action)</source>
        <translation>(semua tindakan)</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="405" />
        <source>any</source>
        <translation>semua</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="465" />
        <source>✔ Audit chain intact (%1 events)</source>
        <translation>✔ Rantai audit utuh (%1 peristiwa)</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="468" />
        <source>✘ Audit chain BROKEN at event #%1: %2 problem(s) in %3 events; rows altered or removed.</source>
        <translation>✘ Rantai audit RUSAK pada peristiwa #%1: %2 masalah dalam %3 peristiwa; ada baris yang diubah atau dihapus.</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="488" />
        <source>Events %1-%2 of %3</source>
        <translation>Peristiwa %1-%2 dari %3</translation>
    </message>
</context>
<context>
    <name>OperatorsTab</name>
    <message>
        <location filename="../../console_admin.py" line="128" />
        <location filename="../../console_admin.py" line="186" />
        <source>Username</source>
        <translation>Nama pengguna</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="129" />
        <location filename="../../console_admin.py" line="187" />
        <source>Full name</source>
        <translation>Nama lengkap</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="130" />
        <location filename="../../console_admin.py" line="163" />
        <location filename="../../console_admin.py" line="188" />
        <source>Role</source>
        <translation>Peran</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="131" />
        <source>Active</source>
        <translation>Aktif</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="132" />
        <source>Locked until</source>
        <translation>Terkunci sampai</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="133" />
        <source>Failed logins</source>
        <translation>Gagal masuk</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="141" />
        <source>Selected operator</source>
        <translation>Petugas terpilih</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="147" />
        <source>Unlock</source>
        <translation>Buka kunci</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="150" />
        <location filename="../../console_admin.py" line="252" />
        <source>Deactivate</source>
        <translation>Nonaktifkan</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="158" />
        <source>Change role</source>
        <translation>Ubah peran</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="166" />
        <source>New password</source>
        <translation>Kata sandi baru</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="167" />
        <location filename="../../console_admin.py" line="190" />
        <source>Repeat it</source>
        <translation>Ulangi</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="168" />
        <source>Reset password</source>
        <translation>Atur ulang kata sandi</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="177" />
        <source>Add an operator</source>
        <translation>Tambah petugas</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="189" />
        <source>Password</source>
        <translation>Kata sandi</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="191" />
        <source>Add</source>
        <translation>Tambah</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="216" />
        <source>until unlocked</source>
        <translation>sampai dibuka</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="223" />
        <source>yes</source>
        <translation>ya</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="223" />
        <source>no</source>
        <translation>tidak</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="249" />
        <source>Choose an operator in the table.</source>
        <translation>Pilih petugas di tabel.</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="252" />
        <source>Reactivate</source>
        <translation>Aktifkan kembali</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="278" />
        <source>%1 unlocked.</source>
        <translation>%1 dibuka kuncinya.</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="286" />
        <source>%1 deactivated: they can no longer log in.</source>
        <translation>%1 dinonaktifkan: tidak dapat masuk lagi.</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="288" />
        <source>%1 reactivated.</source>
        <translation>%1 diaktifkan kembali.</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="296" />
        <source>%1 is now %2.</source>
        <translation>%1 sekarang %2.</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="307" />
        <source>New password set for %1.</source>
        <translation>Kata sandi baru untuk %1 sudah dipasang.</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="320" />
        <source>%1 added.</source>
        <translation>%1 ditambahkan.</translation>
    </message>
</context>
<context>
    <name>SettingsTab</name>
    <message>
        <location filename="../../console_admin.py" line="504" />
        <source>Central server URL</source>
        <translation>URL server pusat</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="505" />
        <source>Warn after days without sync</source>
        <translation>Peringatkan setelah hari tanpa sinkronisasi</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="506" />
        <source>Block enrollment after days without sync</source>
        <translation>Blokir perekaman setelah hari tanpa sinkronisasi</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="507" />
        <source>Warn at records waiting to be sent</source>
        <translation>Peringatkan pada jumlah rekaman menunggu dikirim</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="508" />
        <source>Block enrollment at records waiting</source>
        <translation>Blokir perekaman pada jumlah rekaman menunggu</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="509" />
        <source>Warn when the disk holds only N more enrollments</source>
        <translation>Peringatkan bila disk hanya muat N perekaman lagi</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="510" />
        <source>Block when the disk holds only N more enrollments</source>
        <translation>Blokir bila disk hanya muat N perekaman lagi</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="511" />
        <source>Keep sent packets for (days)</source>
        <translation>Simpan paket terkirim selama (hari)</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="512" />
        <source>Idle lock (minutes)</source>
        <translation>Kunci saat diam (menit)</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="513" />
        <source>Language</source>
        <translation>Bahasa</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="516" />
        <source>applies at once</source>
        <translation>berlaku seketika</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="517" />
        <source>applies from the next login</source>
        <translation>berlaku mulai login berikutnya</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="518" />
        <source>applies at the next start</source>
        <translation>berlaku saat aplikasi dimulai lagi</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="550" />
        <source>Save</source>
        <translation>Simpan</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="594" />
        <source>Nothing changed.</source>
        <translation>Tidak ada yang berubah.</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="596" />
        <source>Saved to station.toml.</source>
        <translation>Disimpan ke station.toml.</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="599" />
        <source>The idle lock changes from the next login.</source>
        <translation>Kunci saat diam berubah mulai login berikutnya.</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="601" />
        <source>The central URL and the language change at the next start.</source>
        <translation>URL pusat dan bahasa berubah pada saat aplikasi dimulai lagi.</translation>
    </message>
    <message>
        <location filename="../../console_admin.py" line="615" />
        <source>Not saved: correct the fields marked in red.</source>
        <translation>Tidak disimpan: perbaiki isian yang ditandai merah.</translation>
    </message>
</context>
</TS>