<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>SyncConsole</name>
    <message>
        <location filename="../../console_sync.py" line="84" />
        <source>The sync console is for supervisors only. Ask a supervisor to log in.</source>
        <translation>Konsol sinkronisasi hanya untuk supervisor. Minta supervisor untuk masuk.</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="135" />
        <location filename="../../console_sync.py" line="145" />
        <location filename="../../console_sync.py" line="147" />
        <source>Registration no.</source>
        <translation>No. registrasi</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="136" />
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="137" />
        <source>Attempts</source>
        <translation>Percobaan</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="138" />
        <source>Last error</source>
        <translation>Kesalahan terakhir</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="139" />
        <source>Next try</source>
        <translation>Coba lagi</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="140" />
        <source>Sent</source>
        <translation>Terkirim</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="141" />
        <source>ETA</source>
        <translation>Perkiraan</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="145" />
        <source>Reason</source>
        <translation>Alasan</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="145" />
        <source>Rejected</source>
        <translation>Ditolak</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="147" />
        <source>Exported</source>
        <translation>Diekspor</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="147" />
        <source>Size</source>
        <translation>Ukuran</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="154" />
        <source>Link to the centre</source>
        <translation>Jaringan ke pusat</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="181" />
        <source>Actions</source>
        <translation>Tindakan</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="183" />
        <source>Force sync</source>
        <translation>Paksa sinkronisasi</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="185" />
        <source>Send now: no waiting for the retry time; ask the centre what it holds</source>
        <translation>Kirim sekarang: tanpa menunggu waktu coba ulang; tanyakan ke pusat apa yang sudah diterimanya</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="195" />
        <source>Export to USB folder…</source>
        <translation>Ekspor ke folder USB…</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="202" />
        <source>Simulated link (training)</source>
        <translation>Simulasi jaringan (latihan)</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="208" />
        <source>Up</source>
        <translation>Tersambung</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="209" />
        <source>Slow (2G)</source>
        <translation>Lambat (2G)</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="210" />
        <source>Flaky</source>
        <translation>Putus-sambung</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="211" />
        <source>Down</source>
        <translation>Putus</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="265" />
        <source>Online</source>
        <translation>Tersambung</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="266" />
        <source>Slow</source>
        <translation>Lambat</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="267" />
        <source>Offline</source>
        <translation>Terputus</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="268" />
        <source>No centre configured</source>
        <translation>Pusat belum diatur</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="269" />
        <source>Centre key missing</source>
        <translation>Kunci pusat belum ada</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="271" />
        <source>Not tried yet</source>
        <translation>Belum dicoba</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="272" />
        <source>Link: %1</source>
        <translation>Jaringan: %1</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="276" />
        <source>RTT %1 · throughput %2</source>
        <translation>RTT %1 · kecepatan %2</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="277" />
        <source>never</source>
        <translation>belum pernah</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="278" />
        <source>Last successful sync: %1</source>
        <translation>Sinkronisasi berhasil terakhir: %1</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="281" />
        <source>gaps %1 (%2 in all)</source>
        <translation>celah %1 (seluruhnya %2)</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="283" />
        <source>no gaps</source>
        <translation>tanpa celah</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="285" />
        <source>Centre holds every record up to no. %1; %2</source>
        <translation>Pusat memiliki semua rekaman sampai no. %1; %2</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="290" />
        <source>Last error: %1 (%2)</source>
        <translation>Kesalahan terakhir: %1 (%2)</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="294" />
        <source>No error at the last attempt</source>
        <translation>Tidak ada kesalahan pada percobaan terakhir</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="305" />
        <source>New enrollments are stopped: %1</source>
        <translation>Perekaman baru dihentikan: %1</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="317" />
        <source>unknown</source>
        <translation>tidak diketahui</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="319" />
        <source>%1 s</source>
        <translation>%1 detik</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="322" />
        <source>%1 min</source>
        <translation>%1 menit</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="323" />
        <source>%1 h</source>
        <translation>%1 jam</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="344" />
        <source>Queue (%1, about %2)</source>
        <translation>Antrean (%1, sekitar %2)</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="352" />
        <source>Requeue</source>
        <translation>Antre ulang</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="356" />
        <source>Rejected (%1)</source>
        <translation>Ditolak (%1)</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="362" />
        <source>Exported (%1)</source>
        <translation>Diekspor (%1)</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="374" />
        <source>Syncing…</source>
        <translation>Menyinkronkan…</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="392" />
        <source>Syncing… %1</source>
        <translation>Menyinkronkan… %1</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="418" />
        <source>Export to USB folder</source>
        <translation>Ekspor ke folder USB</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="422" />
        <source>Exporting…</source>
        <translation>Mengekspor…</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="441" />
        <source>%1 records (%2 MB) exported to %3: %4</source>
        <translation>%1 rekaman (%2 MB) diekspor ke %3: %4</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="473" />
        <source>%1 is queued again; it goes with the next sync.</source>
        <translation>%1 diantre ulang; dikirim pada sinkronisasi berikutnya.</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="496" />
        <source>Simulated link is now: %1</source>
        <translation>Simulasi jaringan sekarang: %1</translation>
    </message>
</context>
</TS>