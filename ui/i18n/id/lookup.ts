<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>LookupPage</name>
    <message>
        <location filename="../../lookup.py" line="85" />
        <source>Find a record</source>
        <translation>Cari rekaman</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="93" />
        <source>NIK (16 digits), registration number, or the first letters of a name</source>
        <translation>NIK (16 angka), nomor registrasi, atau huruf awal nama</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="96" />
        <source>Search</source>
        <translation>Cari</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="109" />
        <source>Registration no.</source>
        <translation>No. registrasi</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="109" />
        <source>Name</source>
        <translation>Nama</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="109" />
        <source>NIK</source>
        <translation>NIK</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="109" />
        <source>Sealed at</source>
        <translation>Disegel</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="109" />
        <source>State</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="157" />
        <source>Time</source>
        <translation>Waktu</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="157" />
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="157" />
        <source>What happened</source>
        <translation>Keterangan</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="157" />
        <source>Detail</source>
        <translation>Rincian</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="162" />
        <location filename="../../lookup.py" line="342" />
        <source>Reprint receipt</source>
        <translation>Cetak ulang tanda bukti</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="165" />
        <source>Print…</source>
        <translation>Cetak…</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="167" />
        <source>Save as PDF…</source>
        <translation>Simpan sebagai PDF…</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="178" />
        <source>Timeline</source>
        <translation>Riwayat</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="211" />
        <source>Searching…</source>
        <translation>Mencari…</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="230" />
        <source>No record found for {query}.</source>
        <translation>Tidak ada rekaman untuk {query}.</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="232" />
        <source>Records found: {n}</source>
        <translation>Rekaman ditemukan: {n}</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="249" />
        <source>(draft)</source>
        <translation>(draf)</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="284" />
        <source>The record is no longer on this station.</source>
        <translation>Rekaman ini sudah tidak ada di stasiun ini.</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="291" />
        <source>No record selected</source>
        <translation>Belum ada rekaman dipilih</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="292" />
        <source>Search, then choose a record to see where it is.</source>
        <translation>Cari, lalu pilih rekaman untuk melihat posisinya.</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="300" />
        <source>State: {state}. Operator: {operator}.</source>
        <translation>Status: {state}. Operator: {operator}.</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="304" />
        <source>Queue position: {n}.</source>
        <translation>Antrean ke: {n}.</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="314" />
        <source>A draft has no receipt: it is not sealed yet.</source>
        <translation>Draf belum punya tanda bukti: rekaman belum disegel.</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="336" />
        <source>Receipt saved: {path}</source>
        <translation>Tanda bukti disimpan: {path}</translation>
    </message>
    <message>
        <location filename="../../lookup.py" line="338" />
        <source>Receipt sent to the printer.</source>
        <translation>Tanda bukti dikirim ke printer.</translation>
    </message>
</context>
</TS>