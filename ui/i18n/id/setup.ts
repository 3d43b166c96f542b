<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>SetupDialog</name>
    <message>
        <location filename="../../setup.py" line="72" />
        <source>Set up this station</source>
        <translation>Siapkan stasiun ini</translation>
    </message>
    <message>
        <location filename="../../setup.py" line="76" />
        <source>No station is set up in %1 yet. Fill this in once; the supervisor can change it later.</source>
        <translation>Belum ada stasiun di %1. Isi sekali saja; supervisor dapat mengubahnya nanti.</translation>
    </message>
    <message>
        <location filename="../../setup.py" line="93" />
        <source>optional, e.g. https://sync.example.go.id</source>
        <translation>opsional, misalnya https://sync.example.go.id</translation>
    </message>
    <message>
        <location filename="../../setup.py" line="94" />
        <source>Training station (DEMO / LATIHAN): simulated devices</source>
        <translation>Stasiun latihan (DEMO / LATIHAN): perangkat simulasi</translation>
    </message>
    <message>
        <location filename="../../setup.py" line="105" />
        <source>Station code (kecamatan code and counter)</source>
        <translation>Kode stasiun (kode kecamatan dan loket)</translation>
    </message>
    <message>
        <location filename="../../setup.py" line="106" />
        <source>Station name</source>
        <translation>Nama stasiun</translation>
    </message>
    <message>
        <location filename="../../setup.py" line="107" />
        <source>First supervisor: username</source>
        <translation>Supervisor pertama: nama pengguna</translation>
    </message>
    <message>
        <location filename="../../setup.py" line="108" />
        <source>Supervisor's full name</source>
        <translation>Nama lengkap supervisor</translation>
    </message>
    <message>
        <location filename="../../setup.py" line="109" />
        <source>Password</source>
        <translation>Kata sandi</translation>
    </message>
    <message>
        <location filename="../../setup.py" line="110" />
        <source>Password again</source>
        <translation>Ulangi kata sandi</translation>
    </message>
    <message>
        <location filename="../../setup.py" line="111" />
        <source>Central receiver URL</source>
        <translation>URL server pusat</translation>
    </message>
    <message>
        <location filename="../../setup.py" line="114" />
        <source>Detect devices</source>
        <translation>Deteksi perangkat</translation>
    </message>
    <message>
        <location filename="../../setup.py" line="117" />
        <source>Devices not detected yet.</source>
        <translation>Perangkat belum dideteksi.</translation>
    </message>
    <message>
        <location filename="../../setup.py" line="138" />
        <source>Detecting devices… (probing serial ports and cameras)</source>
        <translation>Mendeteksi perangkat… (memeriksa port serial dan kamera)</translation>
    </message>
</context>
</TS>