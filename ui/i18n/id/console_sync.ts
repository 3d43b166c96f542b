<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>SyncConsole</name>
    <message>
        <location filename="../../console_sync.py" line="117" />
        <source>The sync console is for supervisors only. Ask a supervisor to log in.</source>
        <translation>Konsol sinkronisasi hanya untuk supervisor. Minta supervisor untuk masuk.</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="172" />
        <location filename="../../console_sync.py" line="182" />
        <location filename="../../console_sync.py" line="184" />
        <source>Registration no.</source>
        <translation>No. registrasi</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="173" />
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="174" />
        <source>Attempts</source>
        <translation>Percobaan</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="175" />
        <source>Last error</source>
        <translation>Kesalahan terakhir</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="176" />
        <source>Next try</source>
        <translation>Coba lagi</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="177" />
        <source>Sent</source>
        <translation>Terkirim</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="178" />
        <source>ETA</source>
        <translation>Perkiraan</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="182" />
        <source>Reason</source>
        <translation>Alasan</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="182" />
        <source>Rejected</source>
        <translation>Ditolak</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="184" />
        <source>Exported</source>
        <translation>Diekspor</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="184" />
        <source>Size</source>
        <translation>Ukuran</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="191" />
        <source>Link to the centre</source>
        <translation>Jaringan ke pusat</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="222" />
        <source>Actions</source>
        <translation>Tindakan</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="224" />
        <source>Force sync</source>
        <translation>Paksa sinkronisasi</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="226" />
        <source>Send now: no waiting for the retry time; ask the centre what it holds</source>
        <translation>Kirim sekarang: tanpa menunggu waktu coba ulang; tanyakan ke pusat apa yang sudah diterimanya</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="237" />
        <source>Export to USB folder…</source>
        <translation>Ekspor ke folder USB…</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="245" />
        <source>Simulated link (training)</source>
        <translation>Simulasi jaringan (latihan)</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="251" />
        <source>Up</source>
        <translation>Tersambung</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="252" />
        <source>Slow (2G)</source>
        <translation>Lambat (2G)</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="253" />
        <source>Flaky</source>
        <translation>Putus-sambung</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="254" />
        <source>Down</source>
        <translation>Putus</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="322" />
        <source>Online</source>
        <translation>Tersambung</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="323" />
        <source>Slow</source>
        <translation>Lambat</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="324" />
        <source>Offline</source>
        <translation>Terputus</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="325" />
        <source>No centre configured</source>
        <translation>Pusat belum diatur</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="326" />
        <source>Centre key missing</source>
        <translation>Kunci pusat belum ada</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="328" />
        <source>Not tried yet</source>
        <translation>Belum dicoba</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="329" />
        <source>Link: %1</source>
        <translation>Jaringan: %1</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="337" />
        <source>RTT %1 · throughput %2</source>
        <translation>RTT %1 · kecepatan %2</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="339" />
        <source>cuts %1/min · chunk %2 KiB</source>
        <translation>putus %1/mnt · potongan %2 KiB</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="349" />
        <source>never</source>
        <translation>belum pernah</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="350" />
        <source>Last successful sync: %1</source>
        <translation>Sinkronisasi berhasil terakhir: %1</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="353" />
        <source>gaps %1 (%2 in all)</source>
        <translation>celah %1 (seluruhnya %2)</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="355" />
        <source>no gaps</source>
        <translation>tanpa celah</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="357" />
        <source>Centre holds every record up to no. %1; %2</source>
        <translation>Pusat memiliki semua rekaman sampai no. %1; %2</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="362" />
        <source>Last error: %1 (%2)</source>
        <translation>Kesalahan terakhir: %1 (%2)</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="366" />
        <source>No error at the last attempt</source>
        <translation>Tidak ada kesalahan pada percobaan terakhir</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="377" />
        <source>New enrollments are stopped: %1</source>
        <translation>Perekaman baru dihentikan: %1</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="389" />
        <source>unknown</source>
        <translation>tidak diketahui</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="391" />
        <source>%1 s</source>
        <translation>%1 detik</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="394" />
        <source>%1 min</source>
        <translation>%1 menit</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="395" />
        <source>%1 h</source>
        <translation>%1 jam</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="416" />
        <source>Queue (%1, about %2)</source>
        <translation>Antrean (%1, sekitar %2)</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="424" />
        <source>Requeue</source>
        <translation>Antre ulang</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="428" />
        <source>Rejected (%1)</source>
        <translation>Ditolak (%1)</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="434" />
        <source>Exported (%1)</source>
        <translation>Diekspor (%1)</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="87" />
        <source>Syncing…</source>
        <translation>Menyinkronkan…</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="88" />
        <source>Syncing… %1</source>
        <translation>Menyinkronkan… %1</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="489" />
        <source>Export to USB folder</source>
        <translation>Ekspor ke folder USB</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="95" />
        <source>Exporting…</source>
        <translation>Mengekspor…</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="96" />
        <source>%1 records (%2 MB) exported to %3: %4</source>
        <translation>%1 rekaman (%2 MB) diekspor ke %3: %4</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="89" />
        <source>%1 is queued again; it goes with the next sync.</source>
        <translation>%1 diantre ulang; dikirim pada sinkronisasi berikutnya.</translation>
    </message>
    <message>
        <location filename="../../console_sync.py" line="102" />
        <source>Simulated link is now: %1</source>
        <translation>Simulasi jaringan sekarang: %1</translation>
    </message>
</context>
</TS>