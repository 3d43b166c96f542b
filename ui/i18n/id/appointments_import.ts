<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>AppointmentImporter</name>
    <message>
        <location filename="../../appointments_import.py" line="102" />
        <source>Import appointments</source>
        <translation>Impor janji temu</translation>
    </message>
    <message>
        <location filename="../../appointments_import.py" line="104" />
        <source>CSV files (*.csv *.txt);;All files (*)</source>
        <translation>Berkas CSV (*.csv *.txt);;Semua berkas (*)</translation>
    </message>
    <message>
        <location filename="../../appointments_import.py" line="113" />
        <source>Importing appointments from {0}…</source>
        <translation>Mengimpor janji temu dari {0}…</translation>
    </message>
    <message>
        <location filename="../../appointments_import.py" line="113" />
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
</context>
<context>
    <name>ImportResultDialog</name>
    <message>
        <location filename="../../appointments_import.py" line="36" />
        <source>Appointment import</source>
        <translation>Impor janji temu</translation>
    </message>
    <message>
        <location filename="../../appointments_import.py" line="39" />
        <source>Rows read: {0}. Imported: {1}. Already in the list: {2}. Refused: {3}.</source>
        <translation>Baris dibaca: {0}. Diimpor: {1}. Sudah ada di daftar: {2}. Ditolak: {3}.</translation>
    </message>
    <message>
        <location filename="../../appointments_import.py" line="48" />
        <source>Line</source>
        <translation>Baris</translation>
    </message>
    <message>
        <location filename="../../appointments_import.py" line="48" />
        <source>Why it was refused</source>
        <translation>Alasan ditolak</translation>
    </message>
    <message>
        <location filename="../../appointments_import.py" line="59" />
        <source>Fix these rows in the file and import it again: rows already imported are not added twice.</source>
        <translation>Perbaiki baris-baris ini di berkas lalu impor lagi: baris yang sudah diimpor tidak ditambahkan dua kali.</translation>
    </message>
</context>
</TS>