<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>DemographicsPage</name>
    <message>
        <location filename="../../wizard/demographics.py" line="116" />
        <source>Resident's data</source>
        <translation>Data diri penduduk</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="119" />
        <source>Type the NIK first: birth date, sex and province are filled from it. Tab moves on.</source>
        <translation>Ketik NIK lebih dulu: tanggal lahir, jenis kelamin dan provinsi terisi darinya. Tab untuk pindah isian.</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="147" />
        <source>Next: photo  →</source>
        <translation>Lanjut: foto  →</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="182" />
        <source>16 digits</source>
        <translation>16 angka</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="207" />
        <source>- (unknown)</source>
        <translation>- (tidak tahu)</translation>
    </message>
    <message>
        <location filename="../../wizard/demographics.py" line="240" />
        <source>NIK structure is valid; birth date and sex filled from it.</source>
        <translation>Susunan NIK benar; tanggal lahir dan jenis kelamin diisi darinya.</translation>
    </message>
</context>
</TS>