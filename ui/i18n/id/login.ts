<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>LockPage</name>
    <message>
        <location filename="../../login.py" line="152" />
        <source>Locked</source>
        <translation>Terkunci</translation>
    </message>
    <message>
        <location filename="../../login.py" line="167" />
        <source>Unlock</source>
        <translation>Buka kunci</translation>
    </message>
    <message>
        <location filename="../../login.py" line="170" />
        <source>Log out</source>
        <translation>Keluar</translation>
    </message>
    <message>
        <location filename="../../login.py" line="181" />
        <source>The station locked itself after a while without use. %1, enter your password to go on; the work in progress is kept.</source>
        <translation>Stasiun terkunci otomatis karena lama tidak dipakai. %1, masukkan kata sandi untuk melanjutkan; pekerjaan yang sedang berjalan tetap tersimpan.</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <location filename="../../login.py" line="70" />
        <source>KTP-el enrollment station</source>
        <translation>Stasiun perekaman KTP-el</translation>
    </message>
    <message>
        <location filename="../../login.py" line="86" />
        <source>Username</source>
        <translation>Nama pengguna</translation>
    </message>
    <message>
        <location filename="../../login.py" line="87" />
        <source>Password</source>
        <translation>Kata sandi</translation>
    </message>
    <message>
        <location filename="../../login.py" line="88" />
        <source>Language</source>
        <translation>Bahasa</translation>
    </message>
    <message>
        <location filename="../../login.py" line="93" />
        <source>Log in</source>
        <translation>Masuk</translation>
    </message>
</context>
</TS>