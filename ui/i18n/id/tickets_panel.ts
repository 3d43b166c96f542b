<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>TicketsPanel</name>
    <message>
        <location filename="../../tickets_panel.py" line="218" />
        <source>Resident &amp;name (optional):</source>
        <translation>&amp;Nama warga (opsional):</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="219" />
        <source>e.g. SITI AMINAH</source>
        <translation>mis. SITI AMINAH</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="220" />
        <source>Issue ticket (F2)</source>
        <translation>Ambil nomor antrean (F2)</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="221" />
        <source>Last ticket:</source>
        <translation>Nomor terakhir:</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="222" />
        <location filename="../../tickets_panel.py" line="224" />
        <source>Waiting</source>
        <translation>Menunggu</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="224" />
        <location filename="../../tickets_panel.py" line="229" />
        <source>Number</source>
        <translation>Nomor</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="224" />
        <location filename="../../tickets_panel.py" line="229" />
        <location filename="../../tickets_panel.py" line="234" />
        <source>Name</source>
        <translation>Nama</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="224" />
        <location filename="../../tickets_panel.py" line="234" />
        <source>Slot</source>
        <translation>Jam</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="226" />
        <source>Call next (F3)</source>
        <translation>Panggil berikutnya (F3)</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="227" />
        <source>Call selected</source>
        <translation>Panggil yang dipilih</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="228" />
        <source>Called</source>
        <translation>Dipanggil</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="229" />
        <source>Called by</source>
        <translation>Dipanggil oleh</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="230" />
        <source>No-show (F4)</source>
        <translation>Tidak hadir (F4)</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="231" />
        <source>Not here: back of the line</source>
        <translation>Belum datang: antre ulang</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="232" />
        <source>Today's appointments</source>
        <translation>Janji temu hari ini</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="234" />
        <source>NIK</source>
        <translation>NIK</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="234" />
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="236" />
        <source>Check in (F6)</source>
        <translation>Check-in (F6)</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="237" />
        <source>Import appointments (CSV)…</source>
        <translation>Impor janji temu (CSV)…</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="245" />
        <source>Log in first: every ticket action is recorded with the operator's name.</source>
        <translation>Masuk dulu: setiap tindakan antrean dicatat dengan nama operator.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="259" />
        <source>{0} min</source>
        <translation>{0} mnt</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="260" />
        <source>{0} h {1:02d} min</source>
        <translation>{0} j {1:02d} mnt</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="316" />
        <source>Waiting: {0} · Served today: {1} · Appointments checked in: {2}/{3}</source>
        <translation>Menunggu: {0} · Dilayani hari ini: {1} · Janji temu sudah check-in: {2}/{3}</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="344" />
        <source>Checked in: {0}</source>
        <translation>Sudah check-in: {0}</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="344" />
        <source>Not yet</source>
        <translation>Belum</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="374" />
        <source>Ticket {0} issued.</source>
        <translation>Nomor antrean {0} diberikan.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="402" />
        <source>Select a waiting ticket first.</source>
        <translation>Pilih dulu nomor yang menunggu.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="419" />
        <source>Nobody is waiting.</source>
        <translation>Tidak ada yang menunggu.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="421" />
        <source>Calling {0}.</source>
        <translation>Memanggil {0}.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="434" />
        <source>Select a called ticket first.</source>
        <translation>Pilih dulu nomor yang sudah dipanggil.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="439" />
        <source>{0} is back at the end of the line.</source>
        <translation>{0} kembali ke antrean paling belakang.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="441" />
        <source>{0} marked as a no-show.</source>
        <translation>{0} ditandai tidak hadir.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="461" />
        <source>Select an appointment first.</source>
        <translation>Pilih dulu janji temu.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="466" />
        <source>Checked in: ticket {0}.</source>
        <translation>Sudah check-in: nomor {0}.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="486" />
        <source>{0} served.</source>
        <translation>{0} selesai dilayani.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="515" />
        <source>Appointments imported: {0}; already listed: {1}; refused: {2}.</source>
        <translation>Janji temu diimpor: {0}; sudah ada: {1}; ditolak: {2}.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="523" />
        <source>Import cancelled: nothing was imported.</source>
        <translation>Impor dibatalkan: tidak ada yang diimpor.</translation>
    </message>
</context>
</TS>