<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>OperatorsTab</name>
    <message>
        <location filename="../../admin/operators_tab.py" line="47" />
        <location filename="../../admin/operators_tab.py" line="106" />
        <source>Username</source>
        <translation>Nama pengguna</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="48" />
        <location filename="../../admin/operators_tab.py" line="107" />
        <source>Full name</source>
        <translation>Nama lengkap</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="49" />
        <location filename="../../admin/operators_tab.py" line="83" />
        <location filename="../../admin/operators_tab.py" line="108" />
        <source>Role</source>
        <translation>Peran</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="50" />
        <source>Active</source>
        <translation>Aktif</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="51" />
        <source>Locked until</source>
        <translation>Terkunci sampai</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="52" />
        <source>Failed logins</source>
        <translation>Gagal masuk</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="61" />
        <source>Selected operator</source>
        <translation>Petugas terpilih</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="67" />
        <source>Unlock</source>
        <translation>Buka kunci</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="70" />
        <location filename="../../admin/operators_tab.py" line="171" />
        <source>Deactivate</source>
        <translation>Nonaktifkan</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="78" />
        <source>Change role</source>
        <translation>Ubah peran</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="86" />
        <source>New password</source>
        <translation>Kata sandi baru</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="87" />
        <location filename="../../admin/operators_tab.py" line="110" />
        <source>Repeat it</source>
        <translation>Ulangi</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="88" />
        <source>Reset password</source>
        <translation>Atur ulang kata sandi</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="97" />
        <source>Add an operator</source>
        <translation>Tambah petugas</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="109" />
        <source>Password</source>
        <translation>Kata sandi</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="111" />
        <source>Add</source>
        <translation>Tambah</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="136" />
        <source>until unlocked</source>
        <translation>sampai dibuka</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="143" />
        <source>yes</source>
        <translation>ya</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="143" />
        <source>no</source>
        <translation>tidak</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="168" />
        <source>Choose an operator in the table.</source>
        <translation>Pilih petugas di tabel.</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="171" />
        <source>Reactivate</source>
        <translation>Aktifkan kembali</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="197" />
        <source>%1 unlocked.</source>
        <translation>%1 dibuka kuncinya.</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="205" />
        <source>%1 deactivated: they can no longer log in.</source>
        <translation>%1 dinonaktifkan: tidak dapat masuk lagi.</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="207" />
        <source>%1 reactivated.</source>
        <translation>%1 diaktifkan kembali.</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="215" />
        <source>%1 is now %2.</source>
        <translation>%1 sekarang %2.</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="226" />
        <source>New password set for %1.</source>
        <translation>Kata sandi baru untuk %1 sudah dipasang.</translation>
    </message>
    <message>
        <location filename="../../admin/operators_tab.py" line="239" />
        <source>%1 added.</source>
        <translation>%1 ditambahkan.</translation>
    </message>
</context>
</TS>