<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>ImportResultDialog</name>
    <message>
        <location filename="../../tickets_panel.py" line="98" />
        <source>Appointment import</source>
        <translation>Impor janji temu</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="101" />
        <source>Rows read: {0}. Imported: {1}. Already in the list: {2}. Refused: {3}.</source>
        <translation>Baris dibaca: {0}. Diimpor: {1}. Sudah ada di daftar: {2}. Ditolak: {3}.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="110" />
        <source>Line</source>
        <translation>Baris</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="110" />
        <source>Why it was refused</source>
        <translation>Alasan ditolak</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="118" />
        <source>Fix these rows in the file and import it again: rows already imported are not added twice.</source>
        <translation>Perbaiki baris-baris ini di berkas lalu impor lagi: baris yang sudah diimpor tidak ditambahkan dua kali.</translation>
    </message>
</context>
<context>
    <name>TicketsPanel</name>
    <message>
        <location filename="../../tickets_panel.py" line="272" />
        <source>Resident &amp;name (optional):</source>
        <translation>&amp;Nama warga (opsional):</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="273" />
        <source>e.g. SITI AMINAH</source>
        <translation>mis. SITI AMINAH</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="274" />
        <source>Issue ticket (F2)</source>
        <translation>Ambil nomor antrean (F2)</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="275" />
        <source>Last ticket:</source>
        <translation>Nomor terakhir:</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="276" />
        <location filename="../../tickets_panel.py" line="277" />
        <source>Waiting</source>
        <translation>Menunggu</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="277" />
        <location filename="../../tickets_panel.py" line="281" />
        <source>Number</source>
        <translation>Nomor</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="277" />
        <location filename="../../tickets_panel.py" line="281" />
        <location filename="../../tickets_panel.py" line="285" />
        <source>Name</source>
        <translation>Nama</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="277" />
        <location filename="../../tickets_panel.py" line="285" />
        <source>Slot</source>
        <translation>Jam</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="278" />
        <source>Call next (F3)</source>
        <translation>Panggil berikutnya (F3)</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="279" />
        <source>Call selected</source>
        <translation>Panggil yang dipilih</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="280" />
        <source>Called</source>
        <translation>Dipanggil</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="281" />
        <source>Called by</source>
        <translation>Dipanggil oleh</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="282" />
        <source>No-show (F4)</source>
        <translation>Tidak hadir (F4)</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="283" />
        <source>Not here: back of the line</source>
        <translation>Belum datang: antre ulang</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="284" />
        <source>Today's appointments</source>
        <translation>Janji temu hari ini</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="285" />
        <source>NIK</source>
        <translation>NIK</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="285" />
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="286" />
        <source>Check in (F6)</source>
        <translation>Check-in (F6)</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="287" />
        <source>Import appointments (CSV)…</source>
        <translation>Impor janji temu (CSV)…</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="295" />
        <source>Log in first: every ticket action is recorded with the operator's name.</source>
        <translation>Masuk dulu: setiap tindakan antrean dicatat dengan nama operator.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="309" />
        <source>{0} min</source>
        <translation>{0} mnt</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="310" />
        <source>{0} h {1:02d} min</source>
        <translation>{0} j {1:02d} mnt</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="350" />
        <source>Waiting: {0} · Served today: {1} · Appointments checked in: {2}/{3}</source>
        <translation>Menunggu: {0} · Dilayani hari ini: {1} · Janji temu sudah check-in: {2}/{3}</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="378" />
        <source>Checked in: {0}</source>
        <translation>Sudah check-in: {0}</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="378" />
        <source>Not yet</source>
        <translation>Belum</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="408" />
        <source>Ticket {0} issued.</source>
        <translation>Nomor antrean {0} diberikan.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="437" />
        <source>Select a waiting ticket first.</source>
        <translation>Pilih dulu nomor yang menunggu.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="454" />
        <source>Nobody is waiting.</source>
        <translation>Tidak ada yang menunggu.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="456" />
        <source>Calling {0}.</source>
        <translation>Memanggil {0}.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="470" />
        <source>Select a called ticket first.</source>
        <translation>Pilih dulu nomor yang sudah dipanggil.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="475" />
        <source>{0} is back at the end of the line.</source>
        <translation>{0} kembali ke antrean paling belakang.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="477" />
        <source>{0} marked as a no-show.</source>
        <translation>{0} ditandai tidak hadir.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="498" />
        <source>Select an appointment first.</source>
        <translation>Pilih dulu janji temu.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="503" />
        <source>Checked in: ticket {0}.</source>
        <translation>Sudah check-in: nomor {0}.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="524" />
        <source>{0} served.</source>
        <translation>{0} selesai dilayani.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="543" />
        <source>Import appointments</source>
        <translation>Impor janji temu</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="543" />
        <source>CSV files (*.csv *.txt);;All files (*)</source>
        <translation>Berkas CSV (*.csv *.txt);;Semua berkas (*)</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="554" />
        <source>Importing appointments from {0}…</source>
        <translation>Mengimpor janji temu dari {0}…</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="554" />
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="585" />
        <source>Appointments imported: {0}; already listed: {1}; refused: {2}.</source>
        <translation>Janji temu diimpor: {0}; sudah ada: {1}; ditolak: {2}.</translation>
    </message>
    <message>
        <location filename="../../tickets_panel.py" line="597" />
        <source>Import cancelled: nothing was imported.</source>
        <translation>Impor dibatalkan: tidak ada yang diimpor.</translation>
    </message>
</context>
</TS>