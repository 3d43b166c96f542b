<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>SealedPage</name>
    <message>
        <location filename="../../wizard/window.py" line="94" />
        <source>Sealed. Registration number:</source>
        <translation>Tersegel. Nomor registrasi:</translation>
    </message>
    <message>
        <location filename="../../wizard/window.py" line="118" />
        <source>Writing the receipt…</source>
        <translation>Menyiapkan tanda bukti…</translation>
    </message>
    <message>
        <location filename="../../wizard/window.py" line="120" />
        <source>Print receipt…</source>
        <translation>Cetak tanda bukti…</translation>
    </message>
    <message>
        <location filename="../../wizard/window.py" line="122" />
        <source>Save receipt as PDF…</source>
        <translation>Simpan tanda bukti sebagai PDF…</translation>
    </message>
    <message>
        <location filename="../../wizard/window.py" line="124" />
        <source>Next resident</source>
        <translation>Penduduk berikutnya</translation>
    </message>
    <message>
        <location filename="../../wizard/window.py" line="156" />
        <source>The receipt as it will print</source>
        <translation>Tanda bukti seperti yang akan dicetak</translation>
    </message>
    <message>
        <location filename="../../wizard/window.py" line="82" />
        <source>The receipt is ready: print it for the resident.</source>
        <translation>Tanda bukti siap: cetak untuk penduduk.</translation>
    </message>
</context>
<context>
    <name>WizardPage</name>
    <message>
        <location filename="../../wizard/window.py" line="217" />
        <location filename="../../wizard/window.py" line="275" />
        <source>Cancel enrollment</source>
        <translation>Batalkan perekaman</translation>
    </message>
    <message>
        <location filename="../../wizard/window.py" line="276" />
        <source>Cancel this enrollment? What was captured for this resident will be discarded.</source>
        <translation>Batalkan perekaman ini? Semua yang sudah diambil untuk penduduk ini akan dibuang.</translation>
    </message>
</context>
</TS>