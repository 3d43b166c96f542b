<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>PhotoPage</name>
    <message>
        <location filename="../../wizard/photo.py" line="143" />
        <location filename="../../wizard/photo.py" line="208" />
        <location filename="../../wizard/photo.py" line="209" />
        <source>Opening the camera…</source>
        <translation>Membuka kamera…</translation>
    </message>
    <message>
        <location filename="../../wizard/photo.py" line="150" />
        <source>Take photo now</source>
        <translation>Ambil foto sekarang</translation>
    </message>
    <message>
        <location filename="../../wizard/photo.py" line="151" />
        <source>Capture the current frame even if a check fails</source>
        <translation>Ambil gambar saat ini walaupun ada pemeriksaan yang gagal</translation>
    </message>
    <message>
        <location filename="../../wizard/photo.py" line="152" />
        <source>Retake</source>
        <translation>Ambil ulang</translation>
    </message>
    <message>
        <location filename="../../wizard/photo.py" line="161" />
        <source>Photo checks</source>
        <translation>Pemeriksaan foto</translation>
    </message>
    <message>
        <location filename="../../wizard/photo.py" line="189" />
        <source>Photo taken. Use Retake for a new one.</source>
        <translation>Foto sudah diambil. Gunakan Ambil ulang untuk foto baru.</translation>
    </message>
    <message>
        <location filename="../../wizard/photo.py" line="229" />
        <source>Look at the camera. The photo is taken when every check is green.</source>
        <translation>Minta penduduk melihat ke kamera. Foto diambil saat semua pemeriksaan hijau.</translation>
    </message>
    <message>
        <location filename="../../wizard/photo.py" line="280" />
        <source>automatically</source>
        <translation>otomatis</translation>
    </message>
    <message>
        <location filename="../../wizard/photo.py" line="280" />
        <source>by hand</source>
        <translation>secara manual</translation>
    </message>
    <message>
        <location filename="../../wizard/photo.py" line="281" />
        <source>Photo taken %1; saving…</source>
        <translation>Foto diambil %1; menyimpan…</translation>
    </message>
    <message>
        <location filename="../../wizard/photo.py" line="286" />
        <source>Photo saved.</source>
        <translation>Foto tersimpan.</translation>
    </message>
    <message>
        <location filename="../../wizard/photo.py" line="294" />
        <source>No picture</source>
        <translation>Tidak ada gambar</translation>
    </message>
    <message>
        <location filename="../../wizard/photo.py" line="311" />
        <source>No photo yet</source>
        <translation>Belum ada foto</translation>
    </message>
</context>
</TS>