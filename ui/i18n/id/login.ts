<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="id_ID">
<context>
    <name>LockPage</name>
    <message>
        <location filename="../../login.py" line="273"/>
        <source>Locked</source>
        <translation>Terkunci</translation>
    </message>
    <message>
        <location filename="../../login.py" line="289"/>
        <source>Unlock</source>
        <translation>Buka kunci</translation>
    </message>
    <message>
        <location filename="../../login.py" line="292"/>
        <source>Log out</source>
        <translation>Keluar</translation>
    </message>
    <message>
        <location filename="../../login.py" line="307"/>
        <source>The station was locked with &quot;Lock now&quot;. %1, enter your password to go on; the work in progress is kept.</source>
        <translation>Stasiun dikunci dengan &quot;Kunci sekarang&quot;. %1, masukkan kata sandi untuk melanjutkan; pekerjaan yang sedang berjalan tetap tersimpan.</translation>
    </message>
    <message>
        <location filename="../../login.py" line="311"/>
        <source>The station locked itself after a while without use. %1, enter your password to go on; the work in progress is kept.</source>
        <translation>Stasiun terkunci otomatis karena lama tidak dipakai. %1, masukkan kata sandi untuk melanjutkan; pekerjaan yang sedang berjalan tetap tersimpan.</translation>
    </message>
</context>
<context>
    <name>LoginPage</name>
    <message>
        <location filename="../../login.py" line="90"/>
        <source>KTP-el enrollment station</source>
        <translation>Stasiun perekaman KTP-el</translation>
    </message>
    <message>
        <location filename="../../login.py" line="106"/>
        <source>Username</source>
        <translation>Nama pengguna</translation>
    </message>
    <message>
        <location filename="../../login.py" line="107"/>
        <source>Password</source>
        <translation>Kata sandi</translation>
    </message>
    <message>
        <location filename="../../login.py" line="108"/>
        <source>Language</source>
        <translation>Bahasa</translation>
    </message>
    <message>
        <location filename="../../login.py" line="114"/>
        <source>Log in</source>
        <translation>Masuk</translation>
    </message>
    <message>
        <location filename="../../login.py" line="132"/>
        <source>This password was set by a supervisor. Choose your own password (at least 8 characters, not containing your username) and type it twice.</source>
        <translation>Kata sandi ini dibuat oleh supervisor. Buat kata sandi Anda sendiri (minimal 8 karakter, tidak memuat nama pengguna Anda) dan ketik dua kali.</translation>
    </message>
    <message>
        <location filename="../../login.py" line="145"/>
        <source>New password</source>
        <translation>Kata sandi baru</translation>
    </message>
    <message>
        <location filename="../../login.py" line="146"/>
        <source>Repeat it</source>
        <translation>Ulangi</translation>
    </message>
    <message>
        <location filename="../../login.py" line="148"/>
        <source>Save the new password and log in</source>
        <translation>Simpan kata sandi baru lalu masuk</translation>
    </message>
    <message>
        <location filename="../../login.py" line="153"/>
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <location filename="../../login.py" line="80"/>
        <source>Welcome. Before you go on, choose your own password.</source>
        <translation>Selamat datang. Sebelum lanjut, buat kata sandi Anda sendiri.</translation>
    </message>
</context>
</TS>
