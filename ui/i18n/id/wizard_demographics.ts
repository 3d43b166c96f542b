<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>DemographicsPage</name>
    <message>
        <location filename="../../wizard/demographics.py" line="159" />
        <source>Resident's data</source>
        <translation>Data diri penduduk</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="140" />
        <source>NIK structure is valid; birth date, sex and region filled: %1.</source>
        <translation>Susunan NIK benar; tanggal lahir, jenis kelamin dan wilayah diisi darinya: %1.</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="143" />
        <source>NIK structure is valid; birth date and sex filled. Kecamatan code %1 is not in the region table (%2): type the region as on the family card.</source>
        <translation>Susunan NIK benar; tanggal lahir dan jenis kelamin diisi darinya. Kode kecamatan %1 tidak ada dalam tabel kode wilayah (%2): ketik wilayah sesuai kartu keluarga.</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="164" />
        <source>Type the NIK first: birth date, sex, province, regency/city and kecamatan are filled from it. Tab moves on.</source>
        <translation>Ketik NIK lebih dulu: tanggal lahir, jenis kelamin, provinsi, kabupaten/kota dan kecamatan terisi darinya. Tab untuk pindah isian.</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="197" />
        <source>Next: photo  →</source>
        <translation>Lanjut: foto  →</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="232" />
        <source>16 digits</source>
        <translation>16 angka</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="257" />
        <source>- (unknown)</source>
        <translation>- (tidak tahu)</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="320" />
        <source>Type to search the kecamatan's kelurahan/desa, or press ↓ for the list</source>
        <translation>Ketik untuk mencari kelurahan/desa di kecamatan ini, atau tekan ↓ untuk daftarnya</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="137" />
        <source>NIK structure is valid; birth date and sex filled from it.</source>
        <translation>Susunan NIK benar; tanggal lahir dan jenis kelamin diisi darinya.</translation>
    </message>
</context>
</TS>