<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>EyeBox</name>
    <message>
        <location filename="../../wizard/iris.py" line="284" />
        <source>Mark exception…</source>
        <translation>Tandai pengecualian…</translation>
    </message>
</context>
<context>
    <name>IrisChecks</name>
    <message>
        <location filename="../../wizard/iris.py" line="201" />
        <source>Check</source>
        <translation>Pemeriksaan</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="201" />
        <source>Right eye</source>
        <translation>Mata kanan</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="201" />
        <source>Left eye</source>
        <translation>Mata kiri</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="201" />
        <source>Limit</source>
        <translation>Batas</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="222" />
        <source>Device score (MOSIP)</source>
        <translation>Skor alat (MOSIP)</translation>
    </message>
</context>
<context>
    <name>IrisPage</name>
    <message>
        <location filename="../../wizard/iris.py" line="309" />
        <location filename="../../wizard/iris.py" line="351" />
        <location filename="../../wizard/iris.py" line="453" />
        <source>Opening the iris camera…</source>
        <translation>Membuka kamera iris…</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="311" />
        <source>Ask the resident to look into the iris camera with both eyes wide open; press Capture when the checks are green.</source>
        <translation>Minta penduduk menatap kamera iris dengan kedua mata terbuka lebar; tekan Ambil bila pemeriksaan sudah hijau.</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="317" />
        <source>Capturing; the resident keeps looking into the camera…</source>
        <translation>Mengambil; penduduk tetap menatap kamera…</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="318" />
        <source>Attempt %1 of %2: device score %3.</source>
        <translation>Percobaan %1 dari %2: skor alat %3.</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="319" />
        <source>Captured; saving…</source>
        <translation>Sudah diambil; menyimpan…</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="320" />
        <source>Irises saved. Use Recapture to take them again.</source>
        <translation>Iris tersimpan. Gunakan Ambil ulang untuk mengambilnya lagi.</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="322" />
        <source>%1: below the limits (%2). Ask the resident to open the eyes wide, look straight into the camera and hold still, then Recapture; or keep these images.</source>
        <translation>%1: di bawah batas (%2). Minta penduduk membuka mata lebar-lebar, menatap lurus ke kamera dan diam, lalu Ambil ulang; atau simpan gambar ini.</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="328" />
        <source>Choose the reason; a supervisor must approve it.</source>
        <translation>Pilih alasannya; supervisor harus menyetujuinya.</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="329" />
        <source>Recorded as an exception.</source>
        <translation>Dicatat sebagai pengecualian.</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="354" />
        <source>Capture</source>
        <translation>Ambil</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="357" />
        <source>Keep these images</source>
        <translation>Simpan gambar ini</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="359" />
        <source>Recapture</source>
        <translation>Ambil ulang</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="382" />
        <source>Iris checks (ISO/IEC 29794-6)</source>
        <translation>Pemeriksaan iris (ISO/IEC 29794-6)</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="403" />
        <source>Right eye</source>
        <translation>Mata kanan</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="403" />
        <source>Left eye</source>
        <translation>Mata kiri</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="451" />
        <source>Live, from the preview</source>
        <translation>Langsung, dari pratinjau</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="560" />
        <source>Of the captured images</source>
        <translation>Dari gambar yang diambil</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="577" />
        <source>device score %1 below %2</source>
        <translation>skor alat %1 di bawah %2</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="607" />
        <location filename="../../wizard/iris.py" line="613" />
        <source>No picture</source>
        <translation>Tidak ada gambar</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="658" />
        <source>not captured</source>
        <translation>belum diambil</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="662" />
        <source>Exception: %1</source>
        <translation>Pengecualian: %1</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="664" />
        <source>exception</source>
        <translation>pengecualian</translation>
    </message>
    <message>
        <location filename="../../wizard/iris.py" line="667" />
        <source>captured, device score %1</source>
        <translation>sudah diambil, skor alat %1</translation>
    </message>
</context>
</TS>