<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>Receipt</name>
    <message>
        <location filename="../../receipt.py" line="303" />
        <location filename="../../receipt.py" line="312" />
        <source>Print receipt</source>
        <translation>Cetak tanda bukti</translation>
    </message>
    <message>
        <location filename="../../receipt.py" line="313" />
        <source>The receipt could not be printed. Check the printer.</source>
        <translation>Tanda bukti tidak dapat dicetak. Periksa printer.</translation>
    </message>
    <message>
        <location filename="../../receipt.py" line="322" />
        <source>A6 receipt (*.pdf)</source>
        <translation>Tanda bukti A6 (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../receipt.py" line="323" />
        <source>80 mm thermal receipt (*.pdf)</source>
        <translation>Tanda bukti thermal 80 mm (*.pdf)</translation>
    </message>
    <message>
        <location filename="../../receipt.py" line="327" />
        <location filename="../../receipt.py" line="344" />
        <source>Save receipt as PDF</source>
        <translation>Simpan tanda bukti sebagai PDF</translation>
    </message>
    <message>
        <location filename="../../receipt.py" line="345" />
        <source>The receipt could not be saved there. Choose another folder.</source>
        <translation>Tanda bukti tidak dapat disimpan di sana. Pilih folder lain.</translation>
    </message>
</context>
</TS>