<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>DemographicsPage</name>
    <message>
        <location filename="../../wizard/demographics.py" line="139" />
        <source>Resident's data</source>
        <translation>Data diri penduduk</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="121" />
        <source>NIK structure is valid; birth date, sex and region filled: %1.</source>
        <translation>Susunan NIK benar; tanggal lahir, jenis kelamin dan wilayah diisi darinya: %1.</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="124" />
        <source>NIK structure is valid; birth date and sex filled. Kecamatan code %1 is not in the region table (%2): type the region as on the family card.</source>
        <translation>Susunan NIK benar; tanggal lahir dan jenis kelamin diisi darinya. Kode kecamatan %1 tidak ada dalam tabel kode wilayah (%2): ketik wilayah sesuai kartu keluarga.</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="144" />
        <source>Type the NIK first: birth date, sex, province, regency/city and kecamatan are filled from it. Tab moves on.</source>
        <translation>Ketik NIK lebih dulu: tanggal lahir, jenis kelamin, provinsi, kabupaten/kota dan kecamatan terisi darinya. Tab untuk pindah isian.</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="177" />
        <source>Next: photo  →</source>
        <translation>Lanjut: foto  →</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="212" />
        <source>16 digits</source>
        <translation>16 angka</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="236" />
        <source>- (unknown)</source>
        <translation>- (tidak tahu)</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="299" />
        <source>Type to search the kecamatan's kelurahan/desa</source>
        <translation>Ketik untuk mencari kelurahan/desa di kecamatan ini</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="118" />
        <source>NIK structure is valid; birth date and sex filled from it.</source>
        <translation>Susunan NIK benar; tanggal lahir dan jenis kelamin diisi darinya.</translation>
    </message>
</context>
</TS>